import { z } from 'zod';
import { Severity } from '../findings/finding.js';

/** True for a YYYY-MM-DD string naming a day that exists (UTC). */
export const isCalendarDate = (v: string): boolean => {
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
};

const IgnoreEntry = z
  .object({
    rule: z.string().min(1),
    /** "ns/name"; a trailing "*" matches by prefix; omitted = any workload. */
    workload: z.string().min(1).optional(),
    reason: z.string().min(1),
    /** YYYY-MM-DD; the entry stops applying after this day (UTC), and says so. */
    expires: z
      .union([z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'), z.date()])
      .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
      // The regex lets 2025-02-30 through; such a date would silently compare as a real one.
      .refine(isCalendarDate, 'not a calendar date (YYYY-MM-DD)')
      .optional(),
  })
  .strict();

export const Config = z
  .object({
    include: z.array(z.string()).default(['**/*.{yaml,yml,json}']),
    exclude: z.array(z.string()).default([]),
    failOn: Severity.default('high'),
    /** Namespace assumed for objects that name none. */
    defaultNamespace: z.string().default('default'),
    istio: z
      .object({
        rootNamespace: z.string().optional(),
        trustDomain: z.string().default('cluster.local'),
      })
      .strict()
      .default({ trustDomain: 'cluster.local' }),
    rules: z.record(z.string(), z.union([Severity, z.literal('off')])).default({}),
    ignore: z.array(IgnoreEntry).default([]),
    /** How the GitHub App publishes (the CLI ignores these). */
    github: z
      .object({
        /** Conclusion when the review itself fails (crash, timeout, API error): fail closed by default. */
        onError: z.enum(['failure', 'neutral']).default('failure'),
        maxInlineComments: z.number().int().min(0).max(100).default(30),
        /** Inline comments on draft pull requests (the check run is always posted). */
        commentOnDrafts: z.boolean().default(false),
        /**
         * Conclusion when nothing fails but the change touches objects of kinds
         * mesh-review does not analyse (Linkerd, Consul, ...): neutral by default,
         * so such a pull request never passes green without a person looking.
         */
        onUnanalysed: z.enum(['neutral', 'failure', 'success']).default('neutral'),
      })
      .strict()
      .default({ onError: 'failure', maxInlineComments: 30, commentOnDrafts: false, onUnanalysed: 'neutral' }),
    /** Rendering of kustomize roots and Helm charts (issue #13): discovered unless `discover: false`. */
    helm: z
      .object({
        discover: z.boolean().default(true),
        /** One chart may appear several times (e.g. once per environment's values). */
        charts: z
          .array(
            z
              .object({
                path: z.string(),
                releaseName: z.string().default('release'),
                namespace: z.string().optional(),
                valuesFiles: z.array(z.string()).default([]),
                set: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .default({ discover: true, charts: [] }),
    kustomize: z
      .object({
        discover: z.boolean().default(true),
        roots: z.array(z.string()).default([]),
        /**
         * kustomize's load restrictor. `rootOnly` (kustomize's default) lets a kustomization read
         * files only in or below its own folder; `none` is `--load-restrictor LoadRestrictionsNone`,
         * which older trees need (a base reading `../../upstream/params.env`, as Kubeflow's 1.x
         * manifests did). With `none` a root is rendered so only when every path its tree names
         * stays inside the repository; any other root stays root-only, and says why.
         */
        loadRestrictor: z.enum(['rootOnly', 'none']).default('rootOnly'),
      })
      .strict()
      .default({ discover: true, roots: [], loadRestrictor: 'rootOnly' }),
    limits: z
      .object({
        maxFileBytes: z
          .number()
          .int()
          .positive()
          .default(2 * 1024 * 1024),
        maxDocuments: z.number().int().positive().default(10_000),
        /**
         * How many nodes YAML aliases may add to one file when expanded: bounds
         * alias bombs by their expanded size, not by how often an anchor is used.
         */
        maxAliasNodes: z.number().int().positive().default(2_000_000),
        /**
         * How large the matcher of one policy field set may grow (states of its
         * automaton) before the workloads it governs are reported as not analysable.
         */
        maxMatcherStates: z.number().int().positive().default(2_000_000),
        /**
         * How many kinds of pod the NetworkPolicy layer tells apart (representative pods: each
         * selector crossed with the label values the selectors looking there name) before a change
         * to the layer is reported as not analysable.
         */
        maxRepresentativePods: z.number().int().positive().default(3_000),
        /** How many (source, destination) pairs one change to the NetworkPolicy layer may alter before it is reported as not analysable. */
        maxConnectionPairs: z.number().int().positive().default(1_000_000),
      })
      .strict()
      .default({
        maxFileBytes: 2 * 1024 * 1024,
        maxDocuments: 10_000,
        maxAliasNodes: 2_000_000,
        maxMatcherStates: 2_000_000,
        maxRepresentativePods: 3_000,
        maxConnectionPairs: 1_000_000,
      }),
  })
  .strict();

export type Config = z.infer<typeof Config>;
export type ConfigInput = z.input<typeof Config>;
export type IgnoreEntry = z.infer<typeof IgnoreEntry>;

export const defaultConfig = (): Config => Config.parse({});
