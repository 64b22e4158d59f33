import rule from '../../../src/findings/rules/clientTransportRefused.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `client-transport-refused` takes and its words for them (docs/rules/client-transport-refused.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'clients sending plaintext to a STRICT server',
    change: sampleChange('client-tls-breaks', { scope: 'client' }),
    title: 'Calls to shop/payments:8080 will fail: clients send plaintext to a STRICT server',
    severity: 'low',
  },
  {
    name: 'clients sending TLS without an Istio identity',
    change: sampleChange('client-tls-breaks', { facts: { sends: 'tls' } }),
    title: 'Calls to shop/payments:8080 will fail: clients send non-Istio TLS to a STRICT server',
    severity: 'low',
  },
]);
