import type { PolicyChange } from '../../policy/change.js';
import type { Rule } from '../rule.js';
import accessNarrowed from './accessNarrowed.js';
import defaultDenyLost from './defaultDenyLost.js';
import analysisIncomplete from './analysisIncomplete.js';
import allowPolicyBroadened from './allowPolicyBroadened.js';
import ambiguousPrecedence from './ambiguousPrecedence.js';
import clientTransportRefused from './clientTransportRefused.js';
import clientTransportWeakened from './clientTransportWeakened.js';
import externalAuthzRemoved from './externalAuthzRemoved.js';
import denyPolicyWeakened from './denyPolicyWeakened.js';
import egressBroadened from './egressBroadened.js';
import egressTlsOriginationRemoved from './egressTlsOriginationRemoved.js';
import ingressExposed from './ingressExposed.js';
import invalidPolicy from './invalidPolicy.js';
import transportStrengthened from './transportStrengthened.js';
import transportWeakened from './transportWeakened.js';
import plaintextAccessAllowed from './plaintextAccessAllowed.js';
import policiesUnenforceable from './policiesUnenforceable.js';
import policyAuditOnly from './policyAuditOnly.js';
import portBypassesProxy from './portBypassesProxy.js';
import proxyRemoved from './proxyRemoved.js';
import networkIngressBroadened from './networkIngressBroadened.js';
import networkIsolationLost from './networkIsolationLost.js';
import networkEgressBroadened from './networkEgressBroadened.js';
import weakeningHeld from './weakeningHeld.js';

export const RULES: readonly Rule[] = [
  transportWeakened,
  proxyRemoved,
  portBypassesProxy,
  clientTransportWeakened,
  plaintextAccessAllowed,
  policiesUnenforceable,
  denyPolicyWeakened,
  allowPolicyBroadened,
  defaultDenyLost,
  policyAuditOnly,
  externalAuthzRemoved,
  ingressExposed,
  egressBroadened,
  egressTlsOriginationRemoved,
  networkIsolationLost,
  networkIngressBroadened,
  networkEgressBroadened,
  ambiguousPrecedence,
  invalidPolicy,
  analysisIncomplete,
  accessNarrowed,
  transportStrengthened,
  clientTransportRefused,
  weakeningHeld,
];

/**
 * The one rule that takes `change`. A change no rule takes, or two rules take, is a fault of
 * the rule list (test/findings/rules/exhaustive.test.ts checks every cause): it is thrown,
 * never dropped, so the review fails rather than pass a change unseen.
 */
export function ruleFor(change: PolicyChange, rules: readonly Rule[] = RULES): Rule {
  const taking = rules.filter((r) => r.matches(change));
  if (taking.length !== 1) {
    throw new Error(`${taking.length === 0 ? 'no rule takes' : `rules ${taking.map((r) => r.id).join(', ')} all take`} a ${change.cause} change`);
  }
  return taking[0]!;
}

/** The rule of `id`, or of a former id of it (a config or an earlier run naming it the old way). */
export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id) ?? RULES.find((r) => r.formerIds.includes(id));
}
