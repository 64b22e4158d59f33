import rule from '../../../src/findings/rules/plaintextAccessAllowed.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `plaintext-access-allowed` takes and its words for them (docs/rules/plaintext-access-allowed.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'callers without an identity admitted',
    change: sampleChange('plaintext-allowed', { before: 'refused by transport', after: 'allowed' }),
    title: 'Unauthenticated callers can now reach shop/payments:8080',
    severity: 'high',
    message: ['Before: refused by transport. After: allowed.'],
  },
]);
