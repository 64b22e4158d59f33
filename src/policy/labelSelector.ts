import { z } from 'zod';

/**
 * Kubernetes label selectors (`metav1.LabelSelector`) as sets of potential
 * objects: a selector stands for every pod (or namespace) whose labels it
 * matches, not only those the repository shows. `{}` matches everything; a
 * missing selector is the caller's to interpret (NetworkPolicy: a missing
 * `namespaceSelector` means the policy's own namespace).
 */
export const LabelSelectorSchema = z
  .object({
    matchLabels: z.record(z.string(), z.string()).optional(),
    matchExpressions: z
      .array(
        z.object({
          key: z.string(),
          operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
          values: z.array(z.string()).optional(),
        }),
      )
      .optional(),
  })
  .loose();
export type LabelSelector = z.infer<typeof LabelSelectorSchema>;

export type Labels = Readonly<Record<string, string>>;

export function matchesSelector(sel: LabelSelector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    if (e.operator === 'In' && !(has && valueSet(e.values).has(labels[e.key]!))) return false;
    if (e.operator === 'NotIn' && has && valueSet(e.values).has(labels[e.key]!)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** An expression's values as a set, made once per list: a selector may name thousands, and is asked of every peer. */
const valueSets = new WeakMap<readonly string[], ReadonlySet<string>>();
const NO_VALUES: ReadonlySet<string> = new Set();
function valueSet(values: readonly string[] | undefined): ReadonlySet<string> {
  if (!values) return NO_VALUES;
  let set = valueSets.get(values);
  if (!set) valueSets.set(values, (set = new Set(values)));
  return set;
}

export const selectsAll = (sel: LabelSelector): boolean => Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;

/** Fresh value for "some value no selector names". */
export const OTHER_VALUE = 'any-other-value';

/**
 * The labels of one object the selector matches, with as few labels as
 * possible (np-guard netpol-analyzer builds "representative peers" the same
 * way: pkg/netpol/eval/internal/k8s/representative_peers.go). Undefined when the
 * selector can match nothing (`In` and `NotIn` exclude each other).
 */
export function representativeLabels(sel: LabelSelector): Record<string, string> | undefined {
  const out: Record<string, string> = { ...(sel.matchLabels ?? {}) };
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'In' && !(e.key in out)) out[e.key] = e.values?.[0] ?? OTHER_VALUE;
    if (e.operator === 'Exists' && !(e.key in out)) out[e.key] = OTHER_VALUE;
  }
  return matchesSelector(sel, out) ? out : undefined;
}

/** Every key and value a selector names: the label space representatives vary over. */
export function selectorVocabulary(sel: LabelSelector, into: Map<string, Set<string>>): void {
  const add = (k: string, v?: string) => {
    const s = into.get(k) ?? new Set<string>();
    if (v !== undefined) s.add(v);
    into.set(k, s);
  };
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) add(k, v);
  for (const e of sel.matchExpressions ?? []) {
    add(e.key);
    for (const v of e.values ?? []) add(e.key, v);
  }
}

/** Human words for the set: `app=web`, `tier in (a,b)`, `all`. */
export function describeSelector(sel: LabelSelector): string {
  const parts = [
    ...Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`),
    ...(sel.matchExpressions ?? []).map((e) =>
      e.operator === 'Exists'
        ? e.key
        : e.operator === 'DoesNotExist'
          ? `!${e.key}`
          : `${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`,
    ),
  ];
  return parts.length === 0 ? 'all' : parts.join(',');
}

// --- Validation as the API server does it (apimachinery validation.ValidateLabelSelector). ---

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** apimachinery `IsQualifiedName`: optional DNS-subdomain prefix (≤ 253) and a name ≤ 63. */
export function labelKeyError(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return `invalid label key "${key}"`;
  const [prefix, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : [undefined, parts[0]!];
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return `invalid label key prefix "${key}"`;
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) return `invalid label key "${key}"`;
  return undefined;
}

export const labelValueError = (v: string): string | undefined => (v.length <= 63 && LABEL_VALUE.test(v) ? undefined : `invalid label value "${v}"`);

/** The first problem with a selector, and the path inside it. */
export function selectorError(raw: unknown): { path: (string | number)[]; message: string } | undefined {
  const parsed = LabelSelectorSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { path: issue.path.filter((p): p is string | number => typeof p !== 'symbol'), message: issue.message };
  }
  const sel = parsed.data;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    const e = labelKeyError(k) ?? labelValueError(v);
    if (e) return { path: ['matchLabels', k], message: e };
  }
  for (const [i, e] of (sel.matchExpressions ?? []).entries()) {
    const ke = labelKeyError(e.key);
    if (ke) return { path: ['matchExpressions', i, 'key'], message: ke };
    const n = (e.values ?? []).length;
    if ((e.operator === 'In' || e.operator === 'NotIn') && n === 0)
      return { path: ['matchExpressions', i, 'values'], message: `values: must be specified when operator is ${e.operator}` };
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && n > 0)
      return { path: ['matchExpressions', i, 'values'], message: `values: may not be specified when operator is ${e.operator}` };
    for (const [j, v] of (e.values ?? []).entries()) {
      const ve = labelValueError(v);
      if (ve) return { path: ['matchExpressions', i, 'values', j], message: ve };
    }
  }
  return undefined;
}
