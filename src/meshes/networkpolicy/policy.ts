import { perInventory } from '../../inventory/inventory.js';
import { arr, get, isObj, str } from '../../inventory/read.js';
import type { FieldPath, Resource } from '../../manifests/resource.js';
import { IpSet } from '../../policy/ipSet.js';
import { LabelSelectorSchema, selectorError, type LabelSelector } from '../../policy/labelSelector.js';
import { PROTOCOLS, type L4Protocol } from '../../policy/portSet.js';
import type { InvalidResource } from '../../policy/meshSide.js';
import { withoutNulls } from '../invalidResource.js';

/**
 * One `networking.k8s.io/v1` NetworkPolicy, read as the API server stores it
 * (defaults applied) and as CNIs enforce it. Sources: Kubernetes docs
 * "Network Policies" and the API reference (network-policy-v1); validation as
 * kubernetes/kubernetes pkg/apis/networking/validation/validation.go
 * (ValidateNetworkPolicySpec) does it.
 */
export type Direction = 'ingress' | 'egress';

export interface PodsPeer {
  kind: 'pods';
  /** null: the policy's own namespace (no `namespaceSelector`); `{}`: every namespace. */
  namespaces: LabelSelector | null;
  /** `{}` (or absent with a namespaceSelector): every pod. */
  pods: LabelSelector;
  path: FieldPath;
}

export interface IpPeer {
  kind: 'ip';
  /** `cidr` minus every `except`. */
  ips: IpSet;
  path: FieldPath;
}

export type Peer = PodsPeer | IpPeer;

export interface PortSpec {
  protocol: L4Protocol;
  /** undefined: every port of the protocol; a string: a container port name. */
  port: number | string | undefined;
  endPort: number | undefined;
  path: FieldPath;
}

export interface Rule {
  /** null: every peer (`from`/`to` missing or empty). */
  peers: Peer[] | null;
  /** null: every port and protocol. */
  ports: PortSpec[] | null;
  path: FieldPath;
}

export interface NetworkPolicy {
  resource: Resource;
  namespace: string;
  podSelector: LabelSelector;
  /** Rules per isolated direction; a direction missing from the effective policyTypes is absent. */
  rules: Partial<Record<Direction, Rule[]>>;
}

const GROUP = 'networking.k8s.io/v1';

export const isNetworkPolicy = (r: Resource): boolean => r.kind === 'NetworkPolicy' && r.apiVersion === GROUP;

/**
 * Every NetworkPolicy of one side; invalid ones are left out (not applied) and listed. Read once per
 * side: the diff, the reach and the peers all ask, and indexes keyed by the list (evaluate.ts) then hold.
 */
export const readNetworkPolicies = perInventory((inv): { policies: NetworkPolicy[]; invalid: InvalidResource[] } => {
  const policies: NetworkPolicy[] = [];
  const invalid: InvalidResource[] = [];
  for (const r of inv.byKind.get('NetworkPolicy') ?? []) {
    if (!isNetworkPolicy(r)) continue;
    const read = readPolicyOnce(r, inv.namespaceOf(r));
    if ('message' in read)
      invalid.push({
        resource: r,
        path: read.path,
        message: `NetworkPolicy ${inv.namespaceOf(r)}/${r.name}: ${read.path.join('.')}: ${read.message}; the API server rejects it, so it is not applied`,
      });
    else policies.push(read);
  }
  return { policies, invalid };
});

type Problem = { path: FieldPath; message: string };

/** Base and head share the objects of unchanged files (ParseCache): each is read once per namespace it lands in. */
const readOnce = new WeakMap<Resource, Map<string, NetworkPolicy | Problem>>();
function readPolicyOnce(r: Resource, namespace: string): NetworkPolicy | Problem {
  let byNs = readOnce.get(r);
  if (!byNs) readOnce.set(r, (byNs = new Map<string, NetworkPolicy | Problem>()));
  let got = byNs.get(namespace);
  if (!got) byNs.set(namespace, (got = readPolicy(r, namespace)));
  return got;
}

export function readPolicy(r: Resource, namespace: string): NetworkPolicy | Problem {
  // JSON null is an absent field to the API server (`matchLabels:` with nothing under it is common).
  const spec = withoutNulls(get(r.body, 'spec'));
  if (spec !== undefined && spec !== null && !isObj(spec)) return { path: ['spec'], message: 'must be an object' };
  const podSelectorRaw = get(spec, 'podSelector') ?? {};
  const bad = selectorError(podSelectorRaw);
  if (bad) return { path: ['spec', 'podSelector', ...bad.path], message: bad.message };
  const podSelector = LabelSelectorSchema.parse(podSelectorRaw);
  // policyTypes defaulting (API defaulting, SetDefaults_NetworkPolicy): Ingress always; Egress iff egress rules exist.
  const typesRaw = get(spec, 'policyTypes');
  let types: string[];
  if (typesRaw === undefined || typesRaw === null || (Array.isArray(typesRaw) && typesRaw.length === 0)) {
    types = ['Ingress', ...(arr(get(spec, 'egress')).length > 0 ? ['Egress'] : [])];
  } else {
    if (!Array.isArray(typesRaw)) return { path: ['spec', 'policyTypes'], message: 'must be a list' };
    if (typesRaw.length > 2) return { path: ['spec', 'policyTypes'], message: 'may not specify more than two policyTypes' };
    for (const [i, t] of typesRaw.entries())
      if (t !== 'Ingress' && t !== 'Egress')
        return { path: ['spec', 'policyTypes', i], message: `Unsupported value: ${JSON.stringify(t)}: supported values: "Ingress", "Egress"` };
    types = typesRaw as string[];
  }
  const rules: Partial<Record<Direction, Rule[]>> = {};
  for (const [dir, key, peersKey, type] of [
    ['ingress', 'ingress', 'from', 'Ingress'],
    ['egress', 'egress', 'to', 'Egress'],
  ] as const) {
    const raw = get(spec, key);
    if (raw !== undefined && raw !== null && !Array.isArray(raw)) return { path: ['spec', key], message: 'must be a list' };
    const list: Rule[] = [];
    for (const [i, ruleRaw] of arr(raw).entries()) {
      const path: FieldPath = ['spec', key, i];
      if (ruleRaw !== null && !isObj(ruleRaw)) return { path, message: 'must be an object' };
      const read = readRule(ruleRaw ?? {}, path, peersKey);
      if ('message' in read) return read;
      list.push(read);
    }
    // With the type not in policyTypes, the rules are validated but ignored.
    if (types.includes(type)) rules[dir] = list;
  }
  return { resource: r, namespace, podSelector, rules };
}

function readRule(raw: Record<string, unknown>, path: FieldPath, peersKey: 'from' | 'to'): Rule | Problem {
  const peersRaw = raw[peersKey];
  const portsRaw = raw.ports;
  if (peersRaw != null && !Array.isArray(peersRaw)) return { path: [...path, peersKey], message: 'must be a list' };
  if (portsRaw != null && !Array.isArray(portsRaw)) return { path: [...path, 'ports'], message: 'must be a list' };
  const peers: Peer[] = [];
  for (const [j, p] of arr(peersRaw).entries()) {
    const read = readPeer(p, [...path, peersKey, j]);
    if ('message' in read) return read;
    peers.push(read);
  }
  const ports: PortSpec[] = [];
  for (const [j, p] of arr(portsRaw).entries()) {
    const read = readPort(p, [...path, 'ports', j]);
    if ('message' in read) return read;
    ports.push(read);
  }
  return { peers: peers.length > 0 ? peers : null, ports: ports.length > 0 ? ports : null, path };
}

function readPeer(raw: unknown, path: FieldPath): Peer | Problem {
  if (!isObj(raw)) return { path, message: 'must specify a peer' };
  const has = (k: string) => raw[k] !== undefined && raw[k] !== null;
  const count = ['podSelector', 'namespaceSelector', 'ipBlock'].filter(has).length;
  if (count === 0) return { path, message: 'must specify a peer' };
  if (count > 1 && has('ipBlock')) return { path, message: 'may not specify more than 1 peer type' };
  if (has('ipBlock')) {
    const block = raw.ipBlock;
    const cidrText = str(get(block, 'cidr'));
    if (cidrText === undefined || cidrText === '') return { path: [...path, 'ipBlock', 'cidr'], message: 'Required value' };
    const cidr = parseCidr(cidrText);
    if (!cidr) return { path: [...path, 'ipBlock', 'cidr'], message: `invalid CIDR address: ${cidrText}` };
    let ips = cidr.set;
    for (const [k, e] of arr(get(block, 'except')).entries()) {
      const ex = typeof e === 'string' ? parseCidr(e) : undefined;
      const at = [...path, 'ipBlock', 'except', k];
      if (!ex) return { path: at, message: `invalid CIDR address: ${String(e)}` };
      // validation.go ValidateIPBlock: each except must be a strict subset of cidr.
      if (ex.v6 !== cidr.v6 || ex.bits <= cidr.bits || !ex.set.isSubsetOf(cidr.set)) return { path: at, message: 'must be a strict subset of `cidr`' };
      ips = ips.subtract(ex.set);
    }
    return { kind: 'ip', ips, path };
  }
  const nsBad = has('namespaceSelector') ? selectorError(raw.namespaceSelector) : undefined;
  if (nsBad) return { path: [...path, 'namespaceSelector', ...nsBad.path], message: nsBad.message };
  const podBad = has('podSelector') ? selectorError(raw.podSelector) : undefined;
  if (podBad) return { path: [...path, 'podSelector', ...podBad.path], message: podBad.message };
  return {
    kind: 'pods',
    namespaces: has('namespaceSelector') ? LabelSelectorSchema.parse(raw.namespaceSelector) : null,
    pods: has('podSelector') ? LabelSelectorSchema.parse(raw.podSelector) : {},
    path,
  };
}

// apimachinery IsValidPortName (IANA_SVC_NAME): 1–15 lower-case alphanumerics or '-', a letter, no '--', no '-' at either end.
const PORT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const validPortName = (s: string) => s.length <= 15 && PORT_NAME.test(s) && /[a-z]/.test(s) && !s.includes('--');
const validPort = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;

function readPort(raw: unknown, path: FieldPath): PortSpec | Problem {
  const o = isObj(raw) ? raw : {};
  const protoRaw = o.protocol ?? 'TCP';
  if (!PROTOCOLS.includes(protoRaw as L4Protocol))
    return { path: [...path, 'protocol'], message: `Unsupported value: ${JSON.stringify(protoRaw)}: supported values: "SCTP", "TCP", "UDP"` };
  const protocol = protoRaw as L4Protocol;
  const port = o.port ?? undefined;
  const endPort = o.endPort ?? undefined;
  if (port !== undefined) {
    if (typeof port === 'string') {
      if (!validPortName(port))
        return {
          path: [...path, 'port'],
          message: `invalid port name "${port}" (must be an IANA_SVC_NAME: at most 15 lower-case letters, digits and '-', with a letter)`,
        };
    } else if (!validPort(port)) return { path: [...path, 'port'], message: 'must be between 1 and 65535, inclusive' };
  }
  if (endPort !== undefined) {
    if (port === undefined) return { path: [...path, 'endPort'], message: 'may not be specified when `port` is not specified' };
    if (typeof port === 'string') return { path: [...path, 'endPort'], message: 'may not be specified when `port` is non-numeric' };
    if (!validPort(endPort)) return { path: [...path, 'endPort'], message: 'must be between 1 and 65535, inclusive' };
    if (endPort < port) return { path: [...path, 'endPort'], message: 'must be greater than or equal to `port`' };
  }
  return { protocol, port: port, endPort: endPort, path };
}

export function parseCidr(text: string): { set: IpSet; bits: number; v6: boolean } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const set = IpSet.cidr(text);
  if (!set) return undefined;
  const v6 = m[1]!.includes(':');
  const bits = Number(m[2]);
  if (bits > (v6 ? 128 : 32)) return undefined;
  return { set, bits, v6 };
}
