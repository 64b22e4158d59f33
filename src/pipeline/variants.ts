import type { Resource } from '../manifests/resource.js';

/**
 * One cluster as a review sees it: the common context (every object defined by one
 * deployment only) plus one deployment's own copies of the objects several deployments
 * define. `targets` names the deployments this view stands for (several when their
 * copies are equal on both sides); undefined when the repository has no variants.
 */
export interface VariantView {
  targets: string[] | undefined;
  base: Resource[];
  head: Resource[];
}

/**
 * The deployment an object comes from: its target (one `kubectl apply -k` / `helm install`),
 * or for a plain manifest its folder (one `kubectl apply -f DIR`), as duplicates.ts reads them.
 */
export const deploymentOf = (r: Resource): string => r.target ?? `folder:${r.file.includes('/') ? r.file.slice(0, r.file.lastIndexOf('/')) : '.'}`;

/**
 * Splits both sides into variant views (issue #13 item 2). Definitions of one object (API
 * group, kind, namespace, name) that come from different targets (or folders of plain
 * manifests) are variants (environments,
 * distributions, alternatives): they are never merged (the API server keeps one object per
 * identity, so merging makes one copy hide another), and each is judged on its own with the
 * common context. An identity is a variant on a side when that side defines it in two or more
 * deployments, so an object that merely moved from one target to another is no variant.
 * Only variants a change touches need a view of their own: targets whose copies changed
 * alike share one view (one evaluation, one finding naming them all), and every variant
 * the change left alone stays in one further view, together as before (an unchanged copy
 * can hide no change to itself). So a review costs one evaluation, plus one per distinct
 * change to variants, whatever the number of overlays.
 */
export function variantViews(base: readonly Resource[], head: readonly Resource[], identity: (r: Resource) => string): VariantView[] {
  const variantsOf = (side: readonly Resource[]): Set<string> => {
    // The first deployment seen per identity; an identity is a variant once a second one shows up.
    const first = new Map<string, string>();
    const variants = new Set<string>();
    for (const r of side) {
      if (!r.name) continue;
      const k = identity(r);
      const d = deploymentOf(r);
      const seen = first.get(k);
      if (seen === undefined) first.set(k, d);
      else if (seen !== d) variants.add(k);
    }
    return variants;
  };
  const baseVariants = variantsOf(base);
  const headVariants = variantsOf(head);
  if (baseVariants.size === 0 && headVariants.size === 0) return [{ targets: undefined, base: [...base], head: [...head] }];
  const isVariant = (variants: Set<string>) => (r: Resource) => r.name !== '' && variants.has(identity(r));
  const baseIs = isVariant(baseVariants);
  const headIs = isVariant(headVariants);
  const holders = new Set([...base.filter(baseIs), ...head.filter(headIs)].map(deploymentOf));
  // Deployments whose variant copies hash alike on both sides are one view.
  const own = (side: readonly Resource[], is: (r: Resource) => boolean, d: string): string =>
    side
      .filter((r) => is(r) && deploymentOf(r) === d)
      .map((r) => `${identity(r)}#${r.hash}#${r.file}`)
      .sort()
      .join('\n');
  const bySignature = new Map<string, string[]>();
  const unchanged: string[] = [];
  for (const d of [...holders].sort()) {
    const before = own(base, baseIs, d);
    const after = own(head, headIs, d);
    // Unchanged variants cannot hide a change in themselves: they stay together in one view.
    if (before === after) {
      unchanged.push(d);
      continue;
    }
    const s = `${before}\u0000${after}`;
    bySignature.set(s, [...(bySignature.get(s) ?? []), d]);
  }
  if (bySignature.size === 0) return [{ targets: undefined, base: [...base], head: [...head] }];
  const view = (targets: string[]): VariantView => {
    const inView = (is: (r: Resource) => boolean) => (r: Resource) => !is(r) || targets.includes(deploymentOf(r));
    return { targets, base: base.filter(inView(baseIs)), head: head.filter(inView(headIs)) };
  };
  return [...[...bySignature.values()].map(view), ...(unchanged.length > 0 ? [view(unchanged)] : [])];
}
