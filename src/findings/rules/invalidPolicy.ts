import { isRemovedIstioKind } from '../../meshes/istio/istioResources.js';
import { defineRule } from '../rule.js';

export default defineRule({
  id: 'invalid-policy',
  causes: ['invalid'],
  category: 'invalid-manifest',
  severity: 'medium',
  rationale:
    'The mesh rejects (or ignores) this object, so it does not exist in the cluster. The review treats it as absent, which may also show as broadened access.',
  // A removed Istio kind the change adds is ignored by Istio: its author expects a protection that does not exist.
  // One that was there before under the same identity (edited, moved) was already ignored: nothing got weaker.
  severityFor: (c) => (isRemovedIstioKind(c.anchor.resource) && !c.related?.some(isRemovedIstioKind) ? 'high' : 'medium'),
  title: (c) =>
    isRemovedIstioKind(c.anchor.resource)
      ? `${c.anchor.resource.kind} ${c.anchor.resource.name} uses ${c.anchor.resource.apiVersion}, which Istio removed: it has no effect`
      : `Invalid ${c.anchor.resource.kind} ${c.anchor.resource.name}`,
  explain: (c) => c.facts.problem,
  fix: 'Fix the field named in the message. For a removed Istio kind, write it as a security.istio.io/v1 AuthorizationPolicy or PeerAuthentication.',
});
