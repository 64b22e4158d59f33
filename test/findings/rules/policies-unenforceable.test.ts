import rule from '../../../src/findings/rules/policiesUnenforceable.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `policies-unenforceable` takes and its words for them (docs/rules/policies-unenforceable.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'a workload without its proxy',
    change: sampleChange('policies-unenforceable'),
    title: 'Authorization no longer enforced on shop/payments:8080',
    severity: 'critical',
  },
  {
    name: 'one port past the proxy',
    change: sampleChange('policies-unenforceable', { scope: 'port' }),
    title: 'Authorization no longer enforced on shop/payments:8080',
    severity: 'high',
  },
]);
