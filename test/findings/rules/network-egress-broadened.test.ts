import rule from '../../../src/findings/rules/networkEgressBroadened.js';
import { resource, ruleTable, sampleChange } from './table.js';

/** The changes `network-egress-broadened` takes and its words for them (docs/rules/network-egress-broadened.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'a wider egress rule',
    change: sampleChange('netpol-egress-broadened', { anchor: { resource: resource({ kind: 'NetworkPolicy' }), path: ['spec', 'egress', 0] } }),
    title: 'NetworkPolicy egress widened for shop/payments:8080',
    severity: 'medium',
    message: ['NetworkPolicy egress of shop/payments now lets this through.'],
  },
]);
