import rule from '../../../src/findings/rules/egressTlsOriginationRemoved.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `egress-tls-origination-removed` takes and its words for them (docs/rules/egress-tls-origination-removed.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'an external host losing its origination',
    change: sampleChange('egress-tls-removed', { workload: null, port: 80, scope: 'client' }),
    title: 'Sidecars no longer originate TLS to external api.example.com:80',
    severity: 'medium',
  },
]);
