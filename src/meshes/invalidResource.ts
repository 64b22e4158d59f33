import type { z } from 'zod';
import type { FieldPath, Resource } from '../manifests/resource.js';
import type { InvalidResource } from '../policy/meshSide.js';

/** Parses `resource.body.spec` with a zod schema; the first issue names the field. */
export function parseSpec<S extends z.ZodType>(resource: Resource, schema: S, invalid: InvalidResource[]): z.infer<S> | undefined {
  // Base and head share the objects of every unchanged file (ParseCache): each is validated once per review.
  let bySchema = parsedSpecs.get(resource);
  if (!bySchema) parsedSpecs.set(resource, (bySchema = new WeakMap()));
  let got = bySchema.get(schema);
  if (!got) {
    const result = schema.safeParse(withoutNulls(resource.body.spec ?? {}));
    if (result.success) got = { data: result.data };
    else {
      const issue = result.error.issues[0]!;
      const path: FieldPath = ['spec', ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
      got = { problem: { resource, path, message: `${resource.kind} ${resource.name}: ${path.join('.')}: ${issue.message}; the mesh will not apply it` } };
    }
    bySchema.set(schema, got);
  }
  if ('problem' in got) {
    invalid.push(got.problem);
    return undefined;
  }
  return got.data as z.infer<S>;
}

const parsedSpecs = new WeakMap<Resource, WeakMap<z.ZodType, { data: unknown } | { problem: InvalidResource }>>();

/**
 * The API server drops null-valued fields of custom resources (unless the schema says
 * `nullable`) before validating them: `rules: null` is the same as no `rules` at all.
 */
export function withoutNulls(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  // Copied only where a null is dropped below: most specs have none, and are returned as they are.
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = withoutNulls(value[i]);
      if (v !== value[i]) (out ??= value.slice())[i] = v;
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const w = v === null ? undefined : withoutNulls(v);
    if (w === v) continue;
    out ??= { ...(value as Record<string, unknown>) };
    if (v === null) delete out[k];
    else out[k] = w;
  }
  return out ?? value;
}
