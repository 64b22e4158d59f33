import { factsKey, type PolicyChange } from './change.js';

/**
 * One change, one finding per workload: the ports of a workload whose answer
 * changed identically (same cause, same anchor on the same side, same before
 * and after, same scope and facts) are one change that lists them. A
 * root-namespace policy reviewed against a namespace whose pods expose many
 * ports otherwise reads as one copy per port. Changes that differ in anything
 * a reviewer reads (other than the example request, which names its port)
 * stay apart. The group's `port` is its lowest port, its witness that port's;
 * notes of the members are kept, each once. Order is kept: a group stands
 * where its first member stood.
 */
export function groupPorts(changes: readonly PolicyChange[]): PolicyChange[] {
  const groups = new Map<string, PolicyChange[]>();
  changes.forEach((c, i) => {
    // A change without a port is about the whole workload: nothing to group it with.
    const key = c.port === null ? `#${i}` : groupKey(c);
    const group = groups.get(key);
    if (group) group.push(c);
    else groups.set(key, [c]);
  });
  return [...groups.values()].map(merge);
}

function groupKey(c: PolicyChange): string {
  const w = c.workload ? `${c.workload.namespace}/${c.workload.name}` : '';
  const r = c.anchor.resource;
  return JSON.stringify([
    c.cause,
    c.mesh,
    w,
    r.file,
    r.docIndex,
    r.kind,
    r.namespace ?? null,
    r.name,
    c.anchor.path,
    c.side,
    c.before,
    c.after,
    c.scope ?? null,
    factsKey(c),
    c.escalation ?? null,
  ]);
}

function merge(group: PolicyChange[]): PolicyChange {
  if (group.length === 1) return group[0]!;
  const sorted = [...group].sort((a, b) => (a.port ?? -1) - (b.port ?? -1));
  const first = sorted[0]!;
  const ports = [...new Set(sorted.map((c) => c.port).filter((p): p is number => p !== null))];
  const notes = [...new Set(sorted.flatMap((c) => c.notes ?? []))];
  return { ...first, ports, ...(notes.length > 0 ? { notes } : {}) };
}
