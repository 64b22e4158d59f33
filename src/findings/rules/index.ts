import type { Cause } from '../../policy/change.js';
import type { Rule } from '../rule.js';
import accessNarrowed from './accessNarrowed.js';
import allowAllRestored from './allowAllRestored.js';
import analysisIncomplete from './analysisIncomplete.js';
import allowPolicyBroadened from './allowPolicyBroadened.js';
import ambiguousPrecedence from './ambiguousPrecedence.js';
import clientTlsBreaksStrict from './clientTlsBreaksStrict.js';
import clientTlsDisabled from './clientTlsDisabled.js';
import customAuthzRemoved from './customAuthzRemoved.js';
import denyPolicyWeakened from './denyPolicyWeakened.js';
import egressBroadened from './egressBroadened.js';
import egressTlsOriginationRemoved from './egressTlsOriginationRemoved.js';
import ingressExposed from './ingressExposed.js';
import invalidPolicy from './invalidPolicy.js';
import mtlsStrengthened from './mtlsStrengthened.js';
import peerAuthenticationWeakened from './peerAuthenticationWeakened.js';
import plaintextAccessAllowed from './plaintextAccessAllowed.js';
import policiesUnenforceable from './policiesUnenforceable.js';
import policyDryRun from './policyDryRun.js';
import portBypassesProxy from './portBypassesProxy.js';
import sidecarRemoved from './sidecarRemoved.js';
import networkPolicyBroadened from './networkPolicyBroadened.js';
import networkIsolationLost from './networkIsolationLost.js';
import networkEgressBroadened from './networkEgressBroadened.js';

export const RULES: readonly Rule[] = [
  peerAuthenticationWeakened,
  sidecarRemoved,
  portBypassesProxy,
  clientTlsDisabled,
  plaintextAccessAllowed,
  policiesUnenforceable,
  denyPolicyWeakened,
  allowPolicyBroadened,
  allowAllRestored,
  policyDryRun,
  customAuthzRemoved,
  ingressExposed,
  egressBroadened,
  egressTlsOriginationRemoved,
  networkIsolationLost,
  networkPolicyBroadened,
  networkEgressBroadened,
  ambiguousPrecedence,
  invalidPolicy,
  analysisIncomplete,
  accessNarrowed,
  mtlsStrengthened,
  clientTlsBreaksStrict,
];

export const ruleForCause = new Map<Cause, Rule>(RULES.map((r) => [r.cause, r]));
