import rule from '../../../src/findings/rules/accessNarrowed.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `access-narrowed` takes and its words for them (docs/rules/access-narrowed.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'requests refused by a mesh policy',
    change: sampleChange('access-narrowed'),
    title: 'Access narrowed on shop/payments:8080',
    severity: 'info',
    notInMessage: ['lets this through'],
  },
  {
    name: 'a connection refused by a NetworkPolicy',
    change: sampleChange('access-narrowed', { facts: { connection: { direction: 'ingress', subject: 'shop/payments', morePeers: 0 } } }),
    title: 'Access narrowed on shop/payments:8080',
    severity: 'info',
    message: ['NetworkPolicy ingress of shop/payments no longer lets this through.'],
  },
  {
    name: 'never raised for exposure',
    change: sampleChange('access-narrowed', { escalation: 'the workload is reachable from outside through gateway istio-system/ingress' }),
    title: 'Access narrowed on shop/payments:8080',
    severity: 'info',
  },
]);
