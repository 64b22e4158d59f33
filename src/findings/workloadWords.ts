/**
 * A workload identifier (`namespace/name`) as a person reads it. Potential
 * workloads (inventory/potentialWorkloads.ts) stand for pods the repository
 * does not show: `*` is any pod, `{k=v}` the pods a selector picks, and the
 * namespace `any-namespace` every namespace the repository does not name.
 * Kubernetes names never contain `*` or `{`, so the forms cannot collide.
 */
export function workloadWords(id: string): string {
  const m = /^([^/]+)\/(\*|\{[^}]*\})$/.exec(id);
  if (!m) return id;
  const [, ns, name] = m as unknown as [string, string, string];
  const where = ns === 'any-namespace' ? 'any other namespace' : `namespace ${ns}`;
  return name === '*' ? `pods in ${where}` : `pods labelled ${name.slice(1, -1)} in ${where}`;
}
