import { z } from 'zod';
import type { Workload } from '../inventory/inventory.js';
import type { Resource } from '../manifests/resource.js';
import type { Origin } from './access.js';

/**
 * A connection whose answer changed under Kubernetes network policy (NetworkPolicy and the
 * admin tiers): whose side decides it, and what decides it now and before when an admin
 * tier took part. The rule says it in words.
 */
export const ConnectionFacts = z
  .object({
    /** Whose rules changed the answer: the destination's ingress or the source's egress. */
    direction: z.enum(['ingress', 'egress']),
    /** The pod whose rules they are, in words (`workloadWords`). */
    subject: z.string(),
    /** When an admin tier decided on either side: what decides the connection now, and what did before. */
    tiers: z.object({ now: z.string(), before: z.string() }).strict().optional(),
    /** Other peers for which the same change holds, folded into this one. */
    morePeers: z.number().int().nonnegative(),
  })
  .strict();
export type ConnectionFacts = z.infer<typeof ConnectionFacts>;

const none = z.object({}).strict();
/** The causes another enforcing layer can hold whole (mesh-semantics.md §6): widenings of access, never of transport. */
export const HELD_CAUSES = [
  'deny-weakened',
  'custom-removed',
  'allow-broadened',
  'allow-all-restored',
  'policy-dry-run',
  'netpol-ingress-broadened',
  'netpol-isolation-lost',
  'netpol-egress-broadened',
] as const;
export type HeldCause = (typeof HELD_CAUSES)[number];
export const isHeldCause = (cause: string): cause is HeldCause => (HELD_CAUSES as readonly string[]).includes(cause);
/** What the clients of a destination now send instead of Istio mTLS. */
const ClientSends = z.object({ sends: z.enum(['plaintext', 'tls']) }).strict();

/**
 * What caused a change in effective policy, and the facts each cause carries (zod-checked
 * when a change is made, see `makeChange`): a rule reads these fields, never prose. A few
 * causes carry a sentence written where the cause was found (a parser's or a limit's
 * message, a duplicate's locations): the rule says it as it is.
 */
export const CAUSE_FACTS = {
  /** A port that required mTLS accepts plaintext. `gateway`: the port is a gateway's, whose TLS its Gateway server sets. */
  'transport-weakened': z.object({ gateway: z.boolean() }).strict(),
  'transport-strengthened': none,
  /** The workload lost its proxy. `governed`: policies applied to it before; `ambient`: the proxy was ambient's ztunnel. */
  'sidecar-removed': z.object({ governed: z.boolean(), ambient: z.boolean() }).strict(),
  /** A port's inbound traffic bypasses the proxy. `ambient`: the proxy is ztunnel, not a sidecar. */
  'port-bypassed': z.object({ ambient: z.boolean() }).strict(),
  'plaintext-allowed': none,
  'policies-unenforceable': none,
  'deny-weakened': none,
  'custom-removed': none,
  'allow-broadened': none,
  'allow-all-restored': none,
  'policy-dry-run': none,
  /** Requests refused that were allowed; under network policy, the connection that is. */
  'access-narrowed': z.object({ connection: ConnectionFacts.optional() }).strict(),
  'client-plaintext': ClientSends,
  'client-tls-breaks': ClientSends,
  /** `anyHost`: reached by a mode that admits every host (ALLOW_ANY), not by entries. */
  'egress-broadened': z.object({ anyHost: z.boolean() }).strict(),
  /** The example external host and port that lost its TLS origination. */
  'egress-tls-removed': z.object({ host: z.string(), port: z.number().int() }).strict(),
  /** The backend newly exposed (a Service, `host:port` as the route names it). */
  'ingress-exposed': z.object({ backend: z.string() }).strict(),
  /** Which policies compete, and why the outcome is unknown (a sentence). */
  ambiguous: z.object({ conflict: z.string() }).strict(),
  /** What the mesh rejects in the object (a sentence from its validation). */
  invalid: z.object({ problem: z.string() }).strict(),
  /** What could not be read or analysed, and why (a parser's or a limit's message). */
  unanalysable: z.object({ reason: z.string() }).strict(),
  'netpol-ingress-broadened': z.object({ connection: ConnectionFacts }).strict(),
  'netpol-isolation-lost': z.object({ connection: ConnectionFacts }).strict(),
  'netpol-egress-broadened': z.object({ connection: ConnectionFacts }).strict(),
  /**
   * A layer's weakening that another enforcing layer still holds whole: nothing more gets
   * through (mesh-semantics.md §6). `held`: the cause it would have been; `layer`: the layer
   * that holds, in words; `holders`: its objects that do (`Kind namespace/name`).
   */
  'layer-held': z
    .object({
      held: z.enum(HELD_CAUSES),
      layer: z.string(),
      holders: z.array(z.string()),
      morePeers: z.number().int().nonnegative(),
    })
    .strict(),
} as const;

/** Every cause, in the order of `CAUSE_FACTS`; each is taken by exactly one finding rule. */
export type Cause = keyof typeof CAUSE_FACTS;
export const CAUSES = Object.keys(CAUSE_FACTS) as Cause[];

/** The facts a change of cause `C` carries. */
export type FactsOf<C extends Cause> = z.infer<(typeof CAUSE_FACTS)[C]>;

/** What every change has, whatever its cause. */
export interface ChangeFields {
  mesh: string;
  workload: Workload | null;
  port: number | null;
  /**
   * Every port whose answer changed this same way (groupPorts), lowest first, when
   * there are several; `port` is then the first of them.
   */
  ports?: number[];
  /** The field that caused it, and on which side that field lives (a deleted policy lives in `before`). */
  anchor: Origin;
  side: 'before' | 'after';
  before: string;
  after: string;
  witness: string | null;
  /** Scope of the deciding policy, for severity: a mesh-wide change weighs more. */
  scope: 'mesh' | 'namespace' | 'workload' | 'port' | 'client' | undefined;
  /** Why this change weighs one level more (the workload is reachable from outside), if it does. */
  escalation?: string;
  /** Other resources involved (e.g. the competing policies of an ambiguity). */
  related?: Resource[];
  /** Caveats a reviewer should weigh (the engine's assumption where the mesh leaves doubt). */
  notes?: string[];
}

/** A change of one cause: its fields and that cause's facts. */
export type ChangeOf<C extends Cause> = C extends Cause ? ChangeFields & { cause: C; facts: FactsOf<C> } : never;

/**
 * One difference in effective policy between the two sides, before rules give it a severity
 * and words: a union keyed by `cause`, so `c.cause === 'sidecar-removed'` types `c.facts`.
 */
export type PolicyChange = ChangeOf<Cause>;

/**
 * A change of `cause` with `facts`, checked against the cause's schema: where the cause is
 * only known at run time the type cannot tie the facts to it, so the check does.
 */
export function makeChange<C extends Cause>(cause: C, facts: FactsOf<C>, fields: ChangeFields): PolicyChange {
  const checked = CAUSE_FACTS[cause].safeParse(facts);
  if (!checked.success) throw new Error(`facts of a ${cause} change: ${z.prettifyError(checked.error)}`);
  return { ...fields, cause, facts } as PolicyChange;
}

/** A key of a change's facts, the same for equal facts (for grouping). */
export const factsKey = (c: PolicyChange): string =>
  JSON.stringify(c.facts, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
