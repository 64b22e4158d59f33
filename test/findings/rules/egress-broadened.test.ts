import rule from '../../../src/findings/rules/egressBroadened.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `egress-broadened` takes and its words for them (docs/rules/egress-broadened.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'egress opened by ALLOW_ANY',
    change: sampleChange('egress-broadened', { workload: null, port: null, facts: { anyHost: true } }),
    title: 'Egress opened to any external host',
    severity: 'medium',
  },
  {
    name: 'new external hosts registered',
    change: sampleChange('egress-broadened', { workload: null, port: null }),
    title: 'Egress opened to new external hosts',
    severity: 'low',
  },
]);
