import { parse } from 'yaml';
import type { Inventory } from '../../inventory/inventory.js';
import { get, isObj, obj, str } from '../../inventory/read.js';
import type { Origin } from '../../policy/access.js';

/** The MeshConfig settings the engine needs, with where each came from. */
export interface MeshSettings {
  rootNamespace: string;
  trustDomain: string;
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
 * namespace and trust domain; defaults are Istio's.
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
      const mesh = parse(text, { maxAliasCount: 50 });
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
  const root = overrides.rootNamespace ?? first((m) => str(m.rootNamespace))?.value;
  if (!root) assumptions.push('root namespace istio-system (Istio default; set istio.rootNamespace to change)');
  const td = overrides.trustDomain ?? first((m) => str(m.trustDomain))?.value ?? 'cluster.local';
  const outbound = first((m) => {
    const mode = str(obj(m.outboundTrafficPolicy).mode);
    return mode === 'ALLOW_ANY' || mode === 'REGISTRY_ONLY' ? mode : undefined;
  });
  return {
    rootNamespace: root ?? 'istio-system',
    trustDomain: td,
    outboundTrafficPolicy: outbound
      ? { mode: outbound.value, origin: outbound.origin(['outboundTrafficPolicy', 'mode']) }
      : { mode: 'ALLOW_ANY', origin: undefined },
    assumptions,
  };
}
