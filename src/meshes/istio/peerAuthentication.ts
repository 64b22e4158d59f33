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
  type Mode = 'DISABLE' | 'PERMISSIVE' | 'STRICT';
  let current: { mode: Mode; origin: Origin | undefined } = { mode: 'PERMISSIVE', origin: undefined };
  const ambiguous: PA[][] = [];
  /** What the port's mode becomes if `pa` is the one applied at its level (UNSET inherits). */
  const outcome = (pa: PA, withPort: boolean): { mode: Mode; origin: Origin | undefined } => {
    let next = current;
    const m = pa.spec.mtls?.mode;
    if (set(m)) next = { mode: m, origin: { resource: pa.resource, path: ['spec', 'mtls', 'mode'] } };
    const portMode = withPort && port !== null ? pa.spec.portLevelMtls?.[String(port)]?.mode : undefined;
    if (set(portMode)) next = { mode: portMode, origin: { resource: pa.resource, path: ['spec', 'portLevelMtls', String(port), 'mode'] } };
    return next;
  };
  /**
   * Competing policies at one level: the cluster applies the oldest, which the repository
   * cannot show. Each candidate is judged by the mode it would give this port; ties are
   * broken by name so that reordering files never changes the answer.
   */
  const level = (candidates: PA[], withPort: boolean) => {
    if (candidates.length === 0) return;
    if (candidates.length > 1) ambiguous.push(candidates);
    const ranked = candidates
      .map((pa) => ({ pa, result: outcome(pa, withPort) }))
      .sort((a, b) => {
        const d = (RANK[a.result.mode] ?? 0) - (RANK[b.result.mode] ?? 0);
        return (pick === 'weakest' ? d : -d) || (a.pa.resource.name < b.pa.resource.name ? -1 : a.pa.resource.name > b.pa.resource.name ? 1 : 0);
      });
    current = ranked[0]!.result;
  };
  level(levels.mesh, false);
  level(levels.byNamespace.get(w.namespace) ?? [], false);
  // Port-level settings are read only from the chosen workload-level policy.
  level(
    (levels.workload.get(w.namespace) ?? []).filter((pa) => matchesLabels(pa.spec.selector?.matchLabels ?? {}, w.labels)),
    true,
  );
  const transport: TransportMode = current.mode === 'DISABLE' ? 'PLAINTEXT' : current.mode;
  return { mode: transport, origin: current.origin, ambiguous };
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
