import rule from '../../../src/findings/rules/ambiguousPrecedence.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `ambiguous-precedence` takes and its words for them (docs/rules/ambiguous-precedence.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'competing PeerAuthentications',
    change: sampleChange('ambiguous'),
    title: 'Competing policies: the outcome depends on cluster state',
    severity: 'medium',
    message: ['PeerAuthentications shop/a and shop/b both select shop/payments; Istio applies the oldest. Fix:'],
  },
]);
