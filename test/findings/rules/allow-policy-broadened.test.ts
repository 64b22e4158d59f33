import rule from '../../../src/findings/rules/allowPolicyBroadened.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `allow-policy-broadened` takes and its words for them (docs/rules/allow-policy-broadened.md); every other cause's change it leaves. */
ruleTable(rule, [
  { name: 'a wider ALLOW rule', change: sampleChange('allow-broadened'), title: 'ALLOW rule admits new requests to shop/payments:8080', severity: 'high' },
  {
    name: 'a mesh-wide ALLOW rule',
    change: sampleChange('allow-broadened', { scope: 'mesh' }),
    title: 'ALLOW rule admits new requests to shop/payments:8080',
    severity: 'critical',
  },
]);
