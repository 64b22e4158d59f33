import { matchesLabels, type Inventory } from '../../inventory/inventory.js';
import { arr, get, obj, str } from '../../inventory/read.js';
import { workloadKey } from '../../policy/meshSide.js';
import { resolveTargetPort } from './workloadViews.js';

/**
 * Annotations the cloud providers read to give a `LoadBalancer` Service an address inside the VPC
 * only (GKE, AWS, Azure, OCI, IBM): such a Service exposes nothing to the internet.
 */
const INTERNAL_LB: Record<string, RegExp> = {
  'networking.gke.io/load-balancer-type': /^internal$/i,
  'cloud.google.com/load-balancer-type': /^internal$/i,
  'service.beta.kubernetes.io/aws-load-balancer-internal': /^(true|0\.0\.0\.0\/0)$/i,
  'service.beta.kubernetes.io/aws-load-balancer-scheme': /^internal$/i,
  'service.beta.kubernetes.io/azure-load-balancer-internal': /^true$/i,
  'service.beta.kubernetes.io/oci-load-balancer-internal': /^true$/i,
  'service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type': /^private$/i,
};

/**
 * The workload ports a Service of `type: LoadBalancer` already exposes to any address outside the
 * cluster (keys `<workloadKey>|<port>`): a gateway route to such a port adds a second way in, not
 * new reachability. Only a public, unrestricted load balancer counts: one with
 * `loadBalancerSourceRanges` or an internal-load-balancer annotation admits fewer clients than a
 * gateway route, and a NodePort is only reachable where the nodes' firewall lets it be.
 */
export function exposedByLoadBalancer(inv: Inventory): Set<string> {
  const out = new Set<string>();
  for (const services of inv.servicesByNamespace.values()) {
    for (const s of services) {
      if (s.type !== 'LoadBalancer' || !s.selector || Object.keys(s.selector).length === 0) continue;
      const spec = obj(get(s.resource.body, 'spec'));
      if (arr(spec.loadBalancerSourceRanges).length > 0) continue;
      const annotations = obj(get(s.resource.body, 'metadata', 'annotations'));
      if (Object.entries(INTERNAL_LB).some(([k, re]) => re.test(str(annotations[k]) ?? ''))) continue;
      for (const w of inv.workloads) {
        if (w.namespace !== s.namespace || w.potential || !matchesLabels(s.selector, w.labels)) continue;
        for (const p of s.ports) {
          const port = resolveTargetPort(w, p.targetPort);
          if (port !== undefined) out.add(`${workloadKey(w)}|${port}`);
        }
      }
    }
  }
  return out;
}
