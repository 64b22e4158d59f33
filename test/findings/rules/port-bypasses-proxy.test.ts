import rule from '../../../src/findings/rules/portBypassesProxy.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `port-bypasses-proxy` takes and its words for them (docs/rules/port-bypasses-proxy.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'one port past the sidecar',
    change: sampleChange('port-bypassed'),
    title: 'Port 8080 bypasses the sidecar on shop/payments:8080',
    severity: 'high',
    notInMessage: ['ambient'],
  },
  {
    name: 'one port past ztunnel',
    change: sampleChange('port-bypassed', { facts: { ambient: true } }),
    title: 'Port 8080 bypasses ztunnel on shop/payments:8080',
    severity: 'high',
  },
  {
    name: 'several ports',
    change: sampleChange('port-bypassed', { ports: [8080, 9090] }),
    title: 'Ports bypass the sidecar on shop/payments (ports 8080, 9090)',
    severity: 'high',
  },
  {
    name: 'all inbound traffic',
    change: sampleChange('port-bypassed', { port: null }),
    title: 'Inbound traffic bypasses the sidecar on shop/payments',
    severity: 'high',
  },
]);
