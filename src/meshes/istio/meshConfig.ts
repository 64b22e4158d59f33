import { parse } from 'yaml';
import type { Inventory } from '../../inventory/inventory.js';
import { arr, get, isObj, obj, str } from '../../inventory/read.js';
import type { Origin } from '../../policy/access.js';

/** The MeshConfig settings the engine needs, with where each came from. */
export interface MeshSettings {
  rootNamespace: string;
  /** `meshConfig.trustDomain`: the trust domain the mesh's workloads carry in their identities. */
  trustDomain: string;
  /** Where the trust domain was set, when the repository sets it in mesh config. */
  trustDomainOrigin: Origin | undefined;
  /** The mesh config line that sets the root namespace, when the repository sets it. */
  rootNamespaceOrigin?: Origin | undefined;
  /** `meshConfig.trustDomainAliases`: trust domains Istio treats as the local one in policies (bundle.go). */
  trustDomainAliases: string[];
  trustDomainAliasesOrigin: Origin | undefined;
  outboundTrafficPolicy: { mode: 'ALLOW_ANY' | 'REGISTRY_ONLY'; origin: Origin | undefined };
  /** What was assumed because the repository does not say. */
  assumptions: string[];
}

export interface MeshOverrides {
  rootNamespace?: string | undefined;
  trustDomain?: string | undefined;
}

/**
 * MeshConfig lives in an IstioOperator (`spec.meshConfig`) or in the `istio`
 * ConfigMap's `mesh` key. The user's configuration wins for the root
 * namespace; the trust domain is what the repository's mesh config says (it
 * is what the workloads' identities carry), the configured `istio.trustDomain`
 * only when it says nothing. Defaults are Istio's.
 */
export function readMeshSettings(inv: Inventory, overrides: MeshOverrides): MeshSettings {
  const found: { mesh: Record<string, unknown>; origin: (path: string[]) => Origin }[] = [];
  for (const r of inv.byKind.get('IstioOperator') ?? []) {
    const mesh = get(r.body, 'spec', 'meshConfig');
    if (isObj(mesh)) found.push({ mesh, origin: (p) => ({ resource: r, path: ['spec', 'meshConfig', ...p] }) });
  }
  for (const r of inv.byKind.get('ConfigMap') ?? []) {
    if (!/^istio(-.+)?$/.test(r.name) || r.name.startsWith('istio-sidecar')) continue;
    const text = str(get(r.body, 'data', 'mesh'));
    if (!text) continue;
    try {
      const mesh: unknown = parse(text, { maxAliasCount: 50 });
      if (isObj(mesh)) found.push({ mesh, origin: () => ({ resource: r, path: ['data', 'mesh'] }) });
    } catch {
      // An unparsable mesh config is left to Istio's defaults; the ConfigMap itself parsed.
    }
  }
  const assumptions: string[] = [];
  const first = <T>(read: (m: Record<string, unknown>) => T | undefined) => {
    for (const f of found) {
      const v = read(f.mesh);
      if (v !== undefined) return { value: v, origin: f.origin };
    }
    return undefined;
  };
  const rootFound = overrides.rootNamespace ? undefined : first((m) => str(m.rootNamespace));
  const root = overrides.rootNamespace ?? rootFound?.value;
  if (!root) assumptions.push('root namespace istio-system (Istio default; set istio.rootNamespace to change)');
  const tdFound = first((m) => str(m.trustDomain) || undefined);
  const td = tdFound?.value ?? overrides.trustDomain ?? 'cluster.local';
  // pkg/config/mesh: aliases are a list of strings; the first mesh config that lists any wins, as for the other keys.
  const aliases = first((m) => {
    const list = arr(m.trustDomainAliases)
      .map(str)
      .filter((a): a is string => !!a);
    return list.length > 0 ? list : undefined;
  });
  const outbound = first((m) => {
    const mode = str(obj(m.outboundTrafficPolicy).mode);
    return mode === 'ALLOW_ANY' || mode === 'REGISTRY_ONLY' ? mode : undefined;
  });
  return {
    rootNamespace: root ?? 'istio-system',
    rootNamespaceOrigin: rootFound?.origin(['rootNamespace']),
    trustDomain: td,
    trustDomainOrigin: tdFound?.origin(['trustDomain']),
    trustDomainAliases: aliases?.value ?? [],
    trustDomainAliasesOrigin: aliases?.origin(['trustDomainAliases']),
    outboundTrafficPolicy: outbound
      ? { mode: outbound.value, origin: outbound.origin(['outboundTrafficPolicy', 'mode']) }
      : { mode: 'ALLOW_ANY', origin: undefined },
    assumptions,
  };
}
