import { matchesLabels, type Inventory, type Workload } from '../../inventory/inventory.js';
import type { Origin } from '../../policy/access.js';
import { StringSet } from '../../policy/stringSet.js';
import type { EgressView, WorkloadView } from '../../policy/meshSide.js';
import { exportedTo, hostMatches, namespaceAdmits, originForHost, splitNamespacedHost, unionHosts, viaForHost, type HostEntry } from './hosts.js';
import type { IstioResources, Typed } from './istioResources.js';
import type { MeshSettings } from './meshConfig.js';
import type { SidecarSpec } from './schemas.js';
import { namespaceWords } from './selectors.js';

type SC = Typed<SidecarSpec>;

/** An egress view that remembers which ServiceEntry host line contributed what. */
export interface IstioEgressView extends EgressView {
  entries: HostEntry[];
}

/**
 * External hosts each proxied workload's sidecar lets it reach (mesh-semantics
 * 2.5). A client-side routing control, not an authorization one: an app can
 * bypass it, which the severity of egress findings already reflects.
 */
export function computeEgress(_inv: Inventory, res: IstioResources, settings: MeshSettings, workloads: Map<string, WorkloadView>): Map<string, EgressView> {
  const sidecarsByNs = new Map<string, SC[]>();
  for (const sc of res.sidecars) {
    const l = sidecarsByNs.get(sc.namespace);
    if (l) l.push(sc);
    else sidecarsByNs.set(sc.namespace, [sc]);
  }
  // Most workloads of a namespace share its default Sidecar; compute each (Sidecar, namespace) once.
  const memo = new Map<string, Omit<IstioEgressView, 'key'>>();
  const out = new Map<string, EgressView>();
  for (const [key, view] of workloads) {
    // A gateway has no outbound capture or passthrough, and Sidecar resources configure sidecars only:
    // what it reaches is what its routes name, not what this view models.
    if (!view.dataPlane.proxied || view.dataPlane.kind === 'gateway') continue;
    const w = view.workload;
    const sc = sidecarFor(w, sidecarsByNs, settings.rootNamespace);
    const memoKey = `${sc ? sc.resource.hash : '-'}|${w.namespace}`;
    let shared = memo.get(memoKey);
    if (!shared) {
      shared = egressFor(res, settings, sc, w.namespace);
      memo.set(memoKey, shared);
    }
    const v: IstioEgressView = { key, ...shared };
    out.set(key, v);
  }
  return out;
}

/** The Sidecar egress entry that imported `host`, when a Sidecar limits the imports. */
export function egressImportOriginFor(view: EgressView, host: string): Origin | undefined {
  const entries = (view as Partial<IstioEgressView>).entries;
  return entries ? viaForHost(entries, host) : undefined;
}

/** The line that added `host` to a view, for anchoring a finding about that host; else the view's origin. */
export function egressOriginFor(view: EgressView, host: string): Origin | undefined {
  const entries = (view as Partial<IstioEgressView>).entries;
  return entries ? originForHost(entries, host, view.origin) : view.origin;
}

/**
 * Istio's Sidecar choice: a selecting Sidecar in the workload's namespace, else
 * the namespace's selector-less one, else the root namespace's selector-less one.
 * Several candidates at one level are resolved by age in the cluster; the
 * first in the repository stands in for it.
 */
function sidecarFor(w: Workload, byNs: Map<string, SC[]>, root: string): SC | undefined {
  const own = byNs.get(w.namespace) ?? [];
  return (
    own.find((s) => s.spec.workloadSelector !== undefined && matchesLabels(s.spec.workloadSelector.labels ?? {}, w.labels)) ??
    own.find((s) => s.spec.workloadSelector === undefined) ??
    (byNs.get(root) ?? []).find((s) => s.spec.workloadSelector === undefined)
  );
}

function egressFor(res: IstioResources, settings: MeshSettings, sc: SC | undefined, ns: string): Omit<IstioEgressView, 'key'> {
  const scope = describeScope(sc, ns, settings.rootNamespace);
  const scMode = sc?.spec.outboundTrafficPolicy?.mode;
  const decided = scMode
    ? {
        mode: scMode,
        origin: { resource: sc.resource, path: ['spec', 'outboundTrafficPolicy', 'mode'] } as Origin,
        source: `Sidecar ${sc.namespace}/${sc.resource.name}`,
      }
    : {
        mode: settings.outboundTrafficPolicy.mode,
        origin: settings.outboundTrafficPolicy.origin,
        source: settings.outboundTrafficPolicy.origin ? 'mesh config' : 'Istio default',
      };
  if (decided.mode === 'ALLOW_ANY') {
    return {
      scope,
      hosts: StringSet.all(),
      origin: decided.origin,
      why: `outboundTrafficPolicy ALLOW_ANY (${decided.source})`,
      mode: 'ALLOW_ANY',
      entries: [],
    };
  }

  // A Sidecar without `egress` imports `*/*`; with it, only the listed `ns/host` imports.
  const imports = (sc?.spec.egress ?? []).flatMap((listener, li) =>
    listener.hosts.map((h, hi) => ({ ...splitNamespacedHost(h), origin: { resource: sc!.resource, path: ['spec', 'egress', li, 'hosts', hi] } })),
  );
  const restricted = imports.length > 0;
  const importedFrom = new Map<string, StringSet>();
  const allowedFor = (seNs: string): StringSet => {
    let set = importedFrom.get(seNs);
    if (!set) {
      set = unionHosts(imports.filter((i) => namespaceAdmits(i.namespace, seNs, ns)).map((i) => i.host));
      importedFrom.set(seNs, set);
    }
    return set;
  };

  const entries: HostEntry[] = [];
  // Entries are joined per import set (usually one or two distinct ones) and cut once each.
  // Mesh-wide entries are kept apart from namespace-scoped ones: their union is the same for
  // every namespace, so StringSet's cache builds it once for the whole mesh.
  const groups = new Map<string, { allowed: StringSet; shared: string[]; scoped: string[] }>();
  let visible = 0;
  for (const se of res.serviceEntries) {
    if (!exportedTo(se.spec.exportTo, se.namespace, ns)) continue;
    visible++;
    const allowed = restricted ? allowedFor(se.namespace) : StringSet.all();
    if (allowed.isEmpty) continue;
    let group = groups.get(allowed.key);
    if (!group) groups.set(allowed.key, (group = { allowed, shared: [], scoped: [] }));
    const everywhere = (se.spec.exportTo ?? []).length === 0 || se.spec.exportTo!.includes('*');
    const patterns = everywhere ? group.shared : group.scoped;
    se.spec.hosts.forEach((h, j) => {
      patterns.push(h);
      entries.push({
        covers: (host) => hostMatches(h, host) && allowed.has(host),
        origin: { resource: se.resource, path: ['spec', 'hosts', j] },
        ...(restricted
          ? { via: (host: string) => imports.find((i) => namespaceAdmits(i.namespace, se.namespace, ns) && hostMatches(i.host, host))?.origin }
          : {}),
      });
    });
  }
  let hosts = StringSet.empty();
  for (const { allowed, shared, scoped } of groups.values()) {
    const all = join(unionHosts(shared), unionHosts(scoped));
    hosts = join(hosts, allowed.key === StringSet.all().key ? all : all.intersect(allowed));
  }
  const limit = restricted ? `, limited by the egress hosts of Sidecar ${sc!.namespace}/${sc!.resource.name}` : '';
  const why = `outboundTrafficPolicy REGISTRY_ONLY (${decided.source}): ${visible} ServiceEntr${visible === 1 ? 'y' : 'ies'} visible to ${namespaceWords(ns)}${limit}`;
  return { scope, hosts, origin: decided.origin, why, mode: 'REGISTRY_ONLY', entries };
}

/** `union` rebuilds an automaton even when one side is empty, and most namespaces have an empty side. */
function join(a: StringSet, b: StringSet): StringSet {
  if (a.isEmpty) return b;
  return b.isEmpty ? a : a.union(b);
}

function describeScope(sc: SC | undefined, ns: string, root: string): string {
  const where = namespaceWords(ns);
  if (!sc) return where;
  const name = `${sc.namespace}/${sc.resource.name}`;
  if (sc.spec.workloadSelector !== undefined) return `workloads selected by Sidecar ${name}`;
  return sc.namespace === root && ns !== root ? `${where} (mesh-wide Sidecar ${name})` : `${where} (Sidecar ${name})`;
}
