import type { Inventory, Workload } from '../inventory/inventory.js';
import type { SelectorUse } from '../inventory/potentialWorkloads.js';
import type { FieldPath, Resource } from '../manifests/resource.js';
import type { AccessPolicy, Origin } from './access.js';
import type { StringSet } from './stringSet.js';
import type { TransportMode } from './transport.js';
import type { PolicyChange } from './change.js';
import type { LowerLayer, MeshIdentities, UpperLayer } from './layers.js';

/*
 * The contract between a mesh adapter (meshes/<mesh>/) and the diff (diffSides.ts): what one side of
 * a review looks like in the canonical model. It lives in policy/ because the diff reads it and
 * meshes/ implement it; meshes depend on the model, never the other way round.
 */

/** A mesh object the mesh would reject (or ignore): it counts as absent, and is reported. */
export interface InvalidResource {
  resource: Resource;
  path: FieldPath;
  message: string;
}

export type Protocol = 'http' | 'tcp';

/** What one (workload, port) accepts on one side. */
export interface PortEval {
  transport: { mode: TransportMode; origin: Origin | undefined; why: string };
  /** One decision per protocol the port may carry (both when the protocol is unknown). */
  access: Partial<Record<Protocol, AccessPolicy>>;
  /** The field that fixed the protocol (a Service port's name or appProtocol), when one did. */
  protocolOrigin?: Origin;
  /** The field that accepts tokens of `issuer` (a RequestAuthentication's jwtRules entry), if any. */
  issuerOrigin?: (issuer: string) => Origin | undefined;
  /**
   * Set when the review changes how identities are named or matched (Istio: `meshConfig.trustDomain`,
   * else `trustDomainAliases`): that field on this side. An unchanged policy that now decides
   * differently for a peer (a stale trust domain, a new alias) was changed by it: the cause to anchor on.
   */
  identityOrigin?: Origin;
}

/** `gateway`: the pod is itself an Envoy proxy (an Istio ingress/egress gateway), not a workload with a sidecar. */
export type DataPlaneKind = 'sidecar' | 'ambient' | 'gateway' | 'none';

/** A workload as one mesh sees it. Evaluation is lazy: unchanged workloads are never evaluated. */
export interface WorkloadView {
  /** `ns/Kind/name`: stable across sides. */
  key: string;
  workload: Workload;
  /** Equal on both sides ⇒ nothing that decides this workload's security changed. */
  inputsKey: string;
  /** Ports worth evaluating (container, service target and policy ports). */
  ports: number[];
  /** The ports the workload declares (container ports, Service target ports): the others are only named by policies. */
  declaredPorts?: number[];
  /**
   * Whether a proxy serves the workload, which kind (a `sidecar` in the pod, a node proxy such
   * as Istio ambient's ztunnel, or `none`), and the field that decided it.
   */
  dataPlane: { proxied: boolean; kind: DataPlaneKind; origin: Origin | undefined; why: string };
  /**
   * The ports meshed traffic to `port` arrives on at the pod, as the network layer below sees it
   * (a sidecar: the port itself; a node proxy: its tunnel port). Absent: the mesh cannot tell which
   * peer the network layer sees (a waypoint in between), so that layer is not asked.
   */
  wirePorts?(port: number): number[];
  /** The pod or one of its Services declares a UDP or SCTP port, which the proxy does not capture. */
  servesUncaptured?: boolean;
  /** Whether any mesh policy (inherited ones included) governs the workload. */
  governed: boolean;
  evaluate(port: number | null): PortEval;
  /** The transport part of `evaluate`, without compiling access. */
  transport(port: number | null): PortEval['transport'];
}

/** What clients in one scope send to one server port (client-side TLS). */
export interface ClientPath {
  key: string;
  /** Server workload key. */
  server: string;
  workload: Workload;
  port: number | null;
  host: string;
  /** Human description of the clients: "clients in namespace shop", "any other namespace". */
  clients: string;
  sends: 'mtls' | 'plaintext' | 'tls';
  serverAccepts: TransportMode;
  origin: Origin | undefined;
}

/** External hosts that workloads in one scope may reach. */
export interface EgressView {
  key: string;
  scope: string;
  hosts: StringSet;
  origin: Origin | undefined;
  /** Why the set is what it is (e.g. "outboundTrafficPolicy ALLOW_ANY"). */
  why: string;
  /** Whether the widest possible set is reached because of a mode (ALLOW_ANY), not by entries. */
  mode: string;
  /** The line that let this host in, when entries are tracked. */
  originFor?: (host: string) => Origin | undefined;
  /** What admitted `host` besides its own entry (a Sidecar's egress import), when something filters entries. */
  importOriginFor?: (host: string) => Origin | undefined;
}

/**
 * How a client's plaintext to an external host leaves its sidecar, for the clients of one scope
 * (Istio: a DestinationRule originating TLS for a ServiceEntry host whose port speaks plaintext).
 */
export interface EgressTlsView {
  /** Scope id: a namespace, `ns[labels]` for a selector rule's clients, `*` for any other namespace. */
  key: string;
  clients: string;
  /** Equal on both sides ⇒ the answer is the same; the sets are only built when it differs. */
  inputsKey: string;
  /** Ports the scope's registered external hosts declare. */
  ports: number[];
  /** Hosts on `port` the app sends plaintext to and the sidecar encrypts (TLS origination). */
  originated(port: number): StringSet;
  /** Hosts on `port` the app sends plaintext to and the sidecar forwards as it is. */
  cleartext(port: number): StringSet;
  /** Hosts registered on `port` at all; others pass through as sent when `passthrough`. */
  registered(port: number): StringSet;
  /** The host patterns registered on `port`, as written (for example hosts in a witness). */
  hosts(port: number): string[];
  /** Whether traffic to a host no entry registers leaves the sidecar unchanged (ALLOW_ANY), rather than being refused. */
  passthrough: boolean;
  /** The registry entry that carries `host` on `port`, and the client TLS line deciding it (none: no rule applies). */
  decide(host: string, port: number): { service: Origin; tls: Origin | undefined; rule: string | undefined } | undefined;
}

/** Hosts under which one backend is reachable through one gateway. */
export interface IngressView {
  key: string;
  backend: string;
  gateway: string;
  /**
   * What tells the gateway apart from others across the two sides of a review: its
   * `namespace/name` when the repository defines it. A gateway the repository does not define
   * is known only by the name a route gives it: a short name resolves in the route's own
   * namespace, so a route that merely changed namespace (a namespace left to `kubectl -n`)
   * would otherwise read as moved to another gateway, while both are the same assumed gateway.
   */
  gatewayId: string;
  hosts: StringSet;
  origin: Origin | undefined;
  originFor?: (host: string) => Origin | undefined;
  /** The workloads (and target ports) behind the backend, when the repository shows them. */
  targets?: { workload: Workload; port: number | null }[];
}

export interface Ambiguity {
  key: string;
  message: string;
  resources: Resource[];
  workload: Workload | null;
}

export interface MeshSide {
  mesh: string;
  /**
   * Workload ports (`<workloadKey>|<port>`) that the cluster already exposes to any outside address
   * by other means than the mesh's ingress (a public LoadBalancer Service): a route to them through
   * a gateway is no new exposure.
   */
  exposedOutside?: ReadonlySet<string>;
  /** Where mesh-wide policy lives (Istio's root namespace), when the mesh has one. */
  rootNamespace: string | undefined;
  /** The mesh config line that sets the root namespace, when the repository sets it. */
  rootNamespaceOrigin?: Origin;
  workloads: Map<string, WorkloadView>;
  clientPaths: Map<string, ClientPath>;
  egress: Map<string, EgressView>;
  /** Client-side TLS toward external hosts, per client scope (absent: the mesh has no such notion). */
  egressTls?: Map<string, EgressTlsView>;
  ingress: Map<string, IngressView>;
  invalid: InvalidResource[];
  ambiguities: Ambiguity[];
  assumptions: string[];
  /** How the mesh names its peers, so other layers can speak of them by namespace (absent: they cannot). */
  identities?: MeshIdentities;
}

export interface MeshOptions {
  rootNamespace?: string | undefined;
  trustDomain?: string | undefined;
  /**
   * The inventory of the other side of the review, for settings that name the same thing
   * differently on each side: a workload's Istio identity carries its side's trust domain.
   */
  counterpart?: Inventory | undefined;
  /**
   * Which side of the review this inventory is: what the base declared and the head no longer
   * does (a Namespace and its injection label) is judged on the head only.
   */
  side?: 'base' | 'head' | undefined;
  /** The review's bounds on a layer's own analysis (config `limits`): past them it fails closed. Absent: the defaults. */
  limits?: AnalysisLimits | undefined;
}

/** Bounds of the representative-peer analysis (config `limits`, same names). */
export interface AnalysisLimits {
  maxRepresentativePods: number;
  maxConnectionPairs: number;
}

/** A mesh plugs in as one folder exporting one of these. */
export interface MeshAdapter {
  id: string;
  /** The layer's name in findings that say it still holds ("Istio"). */
  name: string;
  /** Cheap test: does the inventory hold anything of this mesh? */
  present(inv: Inventory): boolean;
  evaluate(inv: Inventory, options: MeshOptions): MeshSide;
  /** The pod selectors this mesh's policies use: each stands for potential pods. */
  selectors(inv: Inventory, options: MeshOptions): SelectorUse[];
  /** Candidate values that make witnesses read naturally. */
  candidates(dim: string, inv: Inventory, options: MeshOptions): readonly string[];
  /**
   * A layer that compares both sides itself (Kubernetes NetworkPolicy: its decision for a pod depends on
   * the peer's own policies, so no per-workload view fits): used instead of `evaluate` and the generic diff.
   */
  review?(base: Inventory, head: Inventory, options: MeshOptions & { above?: UpperLayer }): { changes: PolicyChange[]; invalid: InvalidResource[] };
  /** A layer under the mesh (L3/L4): what it lets through on the head side, for the mesh's diff to judge against. */
  lower?: (base: Inventory, head: Inventory, options: MeshOptions) => LowerLayer | undefined;
}

export const workloadKey = (w: Workload): string => `${w.namespace}/${w.kind}/${w.name}`;
