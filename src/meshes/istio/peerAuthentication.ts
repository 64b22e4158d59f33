import type { Workload } from '../../inventory/inventory.js';
import { matchesLabels } from '../../inventory/inventory.js';
import type { Origin } from '../../policy/access.js';
import type { TransportMode } from '../../policy/transport.js';
import type { Typed } from './istioResources.js';
import type { MtlsMode, PeerAuthenticationSpec } from './schemas.js';

type PA = Typed<PeerAuthenticationSpec>;

export interface PaLevels {
  mesh: PA[];
  byNamespace: Map<string, PA[]>;
  workload: Map<string, PA[]>;
}

/** Groups PeerAuthentications by scope (`ComposePeerAuthentication`). Root-namespace policies with a selector are ignored. */
export function indexPeerAuthentications(all: PA[], rootNamespace: string): PaLevels {
  const levels: PaLevels = { mesh: [], byNamespace: new Map(), workload: new Map() };
  const push = (m: Map<string, PA[]>, k: string, pa: PA) => {
    const l = m.get(k);
    if (l) l.push(pa);
    else m.set(k, [pa]);
  };
  for (const pa of all) {
    const hasSelector = Object.keys(pa.spec.selector?.matchLabels ?? {}).length > 0;
    if (pa.namespace === rootNamespace) {
      if (!hasSelector) levels.mesh.push(pa);
    } else if (!hasSelector) push(levels.byNamespace, pa.namespace, pa);
    else push(levels.workload, pa.namespace, pa);
  }
  return levels;
}

export interface ModeDecision {
  mode: TransportMode;
  origin: Origin | undefined;
  /** Policies that compete at one level: the cluster picks the oldest, which a repository cannot show. */
  ambiguous: PA[][];
}

const set = (m: MtlsMode | undefined): m is 'DISABLE' | 'PERMISSIVE' | 'STRICT' => m !== undefined && m !== 'UNSET';

const RANK: Record<string, number> = { STRICT: 3, PERMISSIVE: 2, DISABLE: 1 };

/**
 * Effective server mTLS mode of one workload port: mesh, then namespace, then
 * workload policy, then that workload policy's port-level entry; UNSET inherits.
 * When several policies compete at one level, `pick` chooses (weakest or strongest).
 */
export function effectiveMode(levels: PaLevels, w: Workload, port: number | null, pick: 'weakest' | 'strongest'): ModeDecision {
  let mode: 'DISABLE' | 'PERMISSIVE' | 'STRICT' = 'PERMISSIVE';
  let origin: Origin | undefined;
  const ambiguous: PA[][] = [];
  const choose = (candidates: PA[]): PA | undefined => {
    if (candidates.length > 1) ambiguous.push(candidates);
    return [...candidates].sort((a, b) => {
      const d = (RANK[a.spec.mtls?.mode ?? ''] ?? 0) - (RANK[b.spec.mtls?.mode ?? ''] ?? 0);
      return pick === 'weakest' ? d : -d;
    })[0];
  };
  const apply = (pa: PA | undefined) => {
    const m = pa?.spec.mtls?.mode;
    if (pa && set(m)) {
      mode = m;
      origin = { resource: pa.resource, path: ['spec', 'mtls', 'mode'] };
    }
  };
  apply(choose(levels.mesh));
  apply(choose(levels.byNamespace.get(w.namespace) ?? []));
  const wl = choose((levels.workload.get(w.namespace) ?? []).filter((pa) => matchesLabels(pa.spec.selector?.matchLabels ?? {}, w.labels)));
  apply(wl);
  if (wl && port !== null) {
    const portMode = wl.spec.portLevelMtls?.[String(port)]?.mode;
    if (set(portMode)) {
      mode = portMode;
      origin = { resource: wl.resource, path: ['spec', 'portLevelMtls', String(port), 'mode'] };
    }
  }
  const transport: TransportMode = mode === 'DISABLE' ? 'PLAINTEXT' : mode;
  return { mode: transport, origin, ambiguous };
}

/** Ports named in the workload-level policies that select the workload (port-level keys are container ports). */
export function portLevelPorts(levels: PaLevels, w: Workload): number[] {
  const out: number[] = [];
  for (const pa of levels.workload.get(w.namespace) ?? []) {
    if (!matchesLabels(pa.spec.selector?.matchLabels ?? {}, w.labels)) continue;
    for (const k of Object.keys(pa.spec.portLevelMtls ?? {})) out.push(Number(k));
  }
  return out;
}
