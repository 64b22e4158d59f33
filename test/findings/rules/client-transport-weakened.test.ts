import rule from '../../../src/findings/rules/clientTransportWeakened.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `client-transport-weakened` takes and its words for them (docs/rules/client-transport-weakened.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'clients sending plaintext',
    change: sampleChange('client-plaintext', { scope: 'client' }),
    title: 'Clients now send plaintext to shop/payments:8080',
    severity: 'high',
  },
  {
    name: 'clients sending TLS without an Istio identity',
    change: sampleChange('client-plaintext', { facts: { sends: 'tls' } }),
    title: 'Clients now send non-Istio TLS to shop/payments:8080',
    severity: 'high',
  },
]);
