import type { Resource } from '../manifests/resource.js';
import { matchesLabels, type Inventory, type Workload } from './inventory.js';

/** A label selector some policy uses, in the namespace where it selects pods. */
export interface SelectorUse {
  namespace: string;
  labels: Record<string, string>;
  resource: Resource;
}

export const POTENTIAL_KIND = 'Pods';

const nameOf = (labels: Record<string, string>): string => {
  const entries = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.length === 0 ? '*' : `{${entries.map(([k, v]) => `${k}=${v}`).join(',')}}`;
};

/**
 * Policies are often kept without the workloads they protect. Every pod that
 * could exist counts, so each selector a policy uses stands for the pods it
 * would select (and `*` for any pod of a namespace with namespace-wide policy),
 * unless a workload in the repository already has those labels. Both sides get
 * the same potential workloads, so that they compare.
 */
export function addPotentialWorkloads(sides: Inventory[], uses: SelectorUse[]): void {
  const seen = new Set<string>();
  const byNs = sides.map((inv) => {
    const m = new Map<string, Workload[]>();
    for (const w of inv.workloads) {
      const l = m.get(w.namespace);
      if (l) l.push(w);
      else m.set(w.namespace, [w]);
    }
    return m;
  });
  for (const use of uses) {
    const key = `${use.namespace}/${nameOf(use.labels)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const covered = byNs.some((m) => (m.get(use.namespace) ?? []).some((w) => matchesLabels(use.labels, w.labels)));
    if (covered) continue;
    for (const inv of sides) {
      const w: Workload = {
        kind: POTENTIAL_KIND,
        name: nameOf(use.labels),
        namespace: use.namespace,
        labels: { ...use.labels },
        annotations: {},
        serviceAccount: 'default',
        ports: [],
        hostNetwork: false,
        resource: use.resource,
        templatePath: ['spec', 'selector'],
        potential: true,
      };
      inv.workloads.push(w);
      if (!inv.namespaces.has(use.namespace)) inv.namespaces.set(use.namespace, { name: use.namespace, labels: {}, annotations: {}, resource: undefined });
    }
  }
}
