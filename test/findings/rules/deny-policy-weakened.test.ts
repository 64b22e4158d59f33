import rule from '../../../src/findings/rules/denyPolicyWeakened.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `deny-policy-weakened` takes and its words for them (docs/rules/deny-policy-weakened.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'a DENY rule removed',
    change: sampleChange('deny-weakened', { side: 'before' }),
    title: 'DENY rule no longer blocks requests to shop/payments:8080',
    severity: 'high',
  },
  {
    name: 'a DENY rule even mesh-wide',
    change: sampleChange('deny-weakened', { scope: 'mesh' }),
    title: 'DENY rule no longer blocks requests to shop/payments:8080',
    severity: 'high',
  },
]);
