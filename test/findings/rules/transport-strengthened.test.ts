import rule from '../../../src/findings/rules/transportStrengthened.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `transport-strengthened` takes and its words for them (docs/rules/transport-strengthened.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'a port now requiring mTLS',
    change: sampleChange('transport-strengthened'),
    title: 'Transport strengthened on shop/payments:8080',
    severity: 'info',
  },
  {
    name: 'never raised for exposure',
    change: sampleChange('transport-strengthened', { escalation: 'the workload is reachable from outside through gateway istio-system/ingress' }),
    title: 'Transport strengthened on shop/payments:8080',
    severity: 'info',
  },
]);
