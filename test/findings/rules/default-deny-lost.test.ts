import rule from '../../../src/findings/rules/defaultDenyLost.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `default-deny-lost` takes and its words for them (docs/rules/default-deny-lost.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'the last ALLOW policy gone',
    change: sampleChange('allow-all-restored', { side: 'before' }),
    title: 'Deny-by-default lost on shop/payments:8080',
    severity: 'high',
  },
  {
    name: 'the mesh-wide allow-nothing gone',
    change: sampleChange('allow-all-restored', { scope: 'mesh' }),
    title: 'Deny-by-default lost on shop/payments:8080',
    severity: 'critical',
  },
]);
