import rule from '../../../src/findings/rules/externalAuthzRemoved.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `external-authz-removed` takes and its words for them (docs/rules/external-authz-removed.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'a CUSTOM policy removed',
    change: sampleChange('custom-removed', { side: 'before' }),
    title: 'External authorization no longer checks requests to shop/payments:8080',
    severity: 'medium',
  },
  {
    name: 'on a workload exposed through a gateway',
    change: sampleChange('custom-removed', { escalation: 'the workload is reachable from outside through gateway istio-system/ingress' }),
    title: 'External authorization no longer checks requests to shop/payments:8080',
    severity: 'high',
  },
]);
