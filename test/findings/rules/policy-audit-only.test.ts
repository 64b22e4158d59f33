import rule from '../../../src/findings/rules/policyAuditOnly.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `policy-audit-only` takes and its words for them (docs/rules/policy-audit-only.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'a policy switched to dry-run',
    change: sampleChange('policy-dry-run'),
    title: 'Policy switched to dry-run for shop/payments:8080',
    severity: 'high',
  },
]);
