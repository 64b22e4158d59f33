import rule from '../../../src/findings/rules/transportWeakened.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `transport-weakened` takes and its words for them (docs/rules/transport-weakened.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'a workload port',
    change: sampleChange('transport-weakened', { before: 'STRICT', after: 'PERMISSIVE' }),
    title: 'mTLS no longer required on shop/payments:8080',
    severity: 'high',
    message: ['Before: STRICT. After: PERMISSIVE.'],
    notInMessage: ['gateway'],
  },
  {
    name: 'a mesh-wide policy',
    change: sampleChange('transport-weakened', { scope: 'mesh' }),
    title: 'mTLS no longer required on shop/payments:8080',
    severity: 'critical',
  },
  {
    name: "a gateway's port",
    change: sampleChange('transport-weakened', { facts: { gateway: true } }),
    title: 'Client certificates no longer required on gateway shop/payments:8080',
    severity: 'high',
  },
  {
    name: 'a workload exposed through a gateway',
    change: sampleChange('transport-weakened', { escalation: 'the workload is reachable from outside through gateway istio-system/ingress' }),
    title: 'mTLS no longer required on shop/payments:8080',
    severity: 'critical',
    message: ['Raised one level: the workload is reachable from outside through gateway istio-system/ingress.'],
  },
]);
