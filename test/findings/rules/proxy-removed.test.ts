import rule from '../../../src/findings/rules/proxyRemoved.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `proxy-removed` takes and its words for them (docs/rules/proxy-removed.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'a sidecar no policy governed',
    change: sampleChange('sidecar-removed'),
    title: 'Sidecar removed from shop/payments:8080',
    severity: 'high',
    notInMessage: ['governed', 'ambient'],
  },
  {
    name: 'a sidecar policies governed',
    change: sampleChange('sidecar-removed', { facts: { governed: true } }),
    title: 'Sidecar removed from shop/payments:8080',
    severity: 'critical',
  },
  {
    name: "ambient's ztunnel",
    change: sampleChange('sidecar-removed', { facts: { ambient: true } }),
    title: 'shop/payments:8080 left the ambient data plane',
    severity: 'high',
  },
]);
