import rule from '../../../src/findings/rules/networkIsolationLost.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `network-isolation-lost` takes and its words for them (docs/rules/network-isolation-lost.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'the last isolating NetworkPolicy gone',
    change: sampleChange('netpol-isolation-lost', { mesh: 'networkpolicy', side: 'before' }),
    title: 'Ingress isolation lost on shop/payments:8080',
    severity: 'high',
    message: ['NetworkPolicy ingress of shop/payments now lets this through.'],
  },
  {
    name: 'the same for more peers',
    change: sampleChange('netpol-isolation-lost', { facts: { connection: { direction: 'ingress', subject: 'shop/payments', morePeers: 2 } } }),
    title: 'Ingress isolation lost on shop/payments:8080',
    severity: 'high',
    message: ['now lets this through. The same holds for 2 more peers.'],
  },
]);
