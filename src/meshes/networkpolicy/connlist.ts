import type { Inventory, Workload } from '../../inventory/inventory.js';
import type { IpSet } from '../../policy/ipSet.js';
import type { PortSet } from '../../policy/portSet.js';
import { readAdminPolicies } from './admin.js';
import { connection, type Layer, type PodAttrs } from './evaluate.js';
import { NAME_LABEL } from './peers.js';
import { readNetworkPolicies, type NetworkPolicy } from './policy.js';

/** A workload as a NetworkPolicy peer on one side (its namespace's labels include the name label). */
export function podAttrs(inv: Inventory, w: Workload): PodAttrs {
  return {
    namespace: w.namespace,
    namespaceLabels: { ...(inv.namespaces.get(w.namespace)?.labels ?? {}), [NAME_LABEL]: w.namespace },
    labels: w.labels,
    containerPorts: w.potential ? null : w.ports,
  };
}

/**
 * The connectivity of one side's own pods under every L3/L4 tier, as netpol-analyzer's `list`
 * command reports it: every ordered pair of distinct pods (host-network pods
 * left out), and each pod to and from an address range outside the pods.
 */
export class Connectivity {
  readonly policies: NetworkPolicy[];
  /** NetworkPolicies and the admin tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy). */
  readonly layer: Layer;
  readonly pods: Workload[];

  /**
   * `asOrdinaryPods`: judge host-network pods like any other (netpol-analyzer does; the Kubernetes
   * docs leave it undefined, so the review itself never does).
   */
  constructor(
    private readonly inv: Inventory,
    options: { hostNetworkAsOrdinaryPods?: boolean } = {},
  ) {
    this.policies = readNetworkPolicies(inv).policies;
    this.layer = { netpols: this.policies, admin: readAdminPolicies(inv).policies };
    this.pods = inv.workloads.filter((w) => (options.hostNetworkAsOrdinaryPods || !w.hostNetwork) && !w.potential);
  }

  between(src: Workload, dst: Workload): PortSet {
    return connection(this.layer, { kind: 'pod', pod: podAttrs(this.inv, src) }, { kind: 'pod', pod: podAttrs(this.inv, dst) });
  }

  fromExternal(ips: IpSet, dst: Workload): PortSet {
    return connection(this.layer, { kind: 'external', ext: { ips } }, { kind: 'pod', pod: podAttrs(this.inv, dst) });
  }

  toExternal(src: Workload, ips: IpSet): PortSet {
    return connection(this.layer, { kind: 'pod', pod: podAttrs(this.inv, src) }, { kind: 'external', ext: { ips } });
  }
}
