import rule from '../../../src/findings/rules/invalidPolicy.js';
import { resource, ruleTable, sampleChange } from './table.js';

/** A ServiceRole: a kind Istio removed (1.6) and ignores. */
const removed = resource({ apiVersion: 'rbac.istio.io/v1alpha1', kind: 'ServiceRole', name: 'viewer' });

/** The changes `invalid-policy` takes and its words for them (docs/rules/invalid-policy.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'an object the mesh rejects',
    change: sampleChange('invalid', { workload: null, port: null }),
    title: 'Invalid AuthorizationPolicy authz',
    severity: 'medium',
    message: ['spec.action: expected ALLOW, DENY, CUSTOM or AUDIT.'],
  },
  {
    name: 'a new object of a removed Istio kind',
    change: sampleChange('invalid', { workload: null, port: null, anchor: { resource: removed, path: ['apiVersion'] } }),
    title: 'ServiceRole viewer uses rbac.istio.io/v1alpha1, which Istio removed: it has no effect',
    severity: 'high',
  },
  {
    name: 'a removed Istio kind that was there before',
    change: sampleChange('invalid', { workload: null, port: null, anchor: { resource: removed, path: ['apiVersion'] }, related: [removed] }),
    title: 'ServiceRole viewer uses rbac.istio.io/v1alpha1, which Istio removed: it has no effect',
    severity: 'medium',
  },
]);
