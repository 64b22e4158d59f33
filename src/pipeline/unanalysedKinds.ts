import type { ParseError } from '../manifests/resource.js';
import { identityKey, type Inventory } from '../inventory/inventory.js';
import type { Resource } from '../manifests/resource.js';

/** Security kinds of meshes and layers mesh-review does not evaluate yet, by API group. */
const NOT_YET: ReadonlyArray<{ group: RegExp; kinds?: RegExp; what: string }> = [
  { group: /^policy\.networking\.k8s\.io$/, what: 'Kubernetes admin network policies' },
  { group: /(^|\.)linkerd\.io$/, kinds: /^(Server|ServerAuthorization|AuthorizationPolicy|MeshTLSAuthentication|NetworkAuthentication|HTTPRoute)$/, what: 'Linkerd policy' },
  { group: /^consul\.hashicorp\.com$/, what: 'Consul configuration entries' },
  { group: /(^|\.)cilium\.io$/, kinds: /NetworkPolicy$/, what: 'Cilium network policies' },
];
const MAX_LISTED = 20;
const NOTICE = 'mesh-review does not analyse';

/**
 * Whether an error is such a notice: the file was read, only not evaluated, so
 * (unlike a file that cannot be read) it cannot be what hides a finding.
 */
export const isNotAnalysedNotice = (e: Pick<ParseError, 'message'>): boolean => e.message.includes(`: ${NOTICE} `) || e.message.endsWith(`that ${NOTICE} yet`);

/**
 * Objects of those kinds that this change adds, edits or deletes. They are
 * listed as errors (file and line), so that a pull request that only touches
 * them never reads as "no findings" while nothing was looked at.
 */
export function unanalysedChanges(base: Inventory, head: Inventory): ParseError[] {
  const before = new Map(base.resources.filter(watched).map((r) => [identityKey(r, base), r]));
  const after = new Map(head.resources.filter(watched).map((r) => [identityKey(r, head), r]));
  const out: ParseError[] = [];
  const say = (r: Resource, inv: Inventory, how: string) =>
    out.push({ file: r.file, line: r.line, message: `${r.kind} ${inv.namespaceOf(r)}/${r.name} ${how}: ${NOTICE} ${whatOf(r)} yet; review this change by hand` });
  for (const [k, r] of after) {
    const old = before.get(k);
    if (!old) say(r, head, 'added');
    else if (old.hash !== r.hash) say(r, head, 'changed');
  }
  for (const [k, r] of before) if (!after.has(k)) say(r, base, 'deleted (the line is in the base version)');
  if (out.length <= MAX_LISTED) return out;
  const rest = out.length - MAX_LISTED;
  return [...out.slice(0, MAX_LISTED), { file: out[MAX_LISTED]!.file, line: out[MAX_LISTED]!.line, message: `${rest} more changed objects that ${NOTICE} yet` }];
}

const groupOf = (r: Resource) => (r.apiVersion.includes('/') ? r.apiVersion.split('/')[0]! : '');
const ruleFor = (r: Resource) => NOT_YET.find((n) => n.group.test(groupOf(r)) && (!n.kinds || n.kinds.test(r.kind)));
const watched = (r: Resource) => ruleFor(r) !== undefined;
const whatOf = (r: Resource) => ruleFor(r)!.what;
