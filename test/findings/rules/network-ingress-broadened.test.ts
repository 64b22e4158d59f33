import rule from '../../../src/findings/rules/networkIngressBroadened.js';
import { resource, ruleTable, sampleChange } from './table.js';

/** The changes `network-ingress-broadened` takes and its words for them (docs/rules/network-ingress-broadened.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'a wider NetworkPolicy rule',
    change: sampleChange('netpol-ingress-broadened', { anchor: { resource: resource({ kind: 'NetworkPolicy' }), path: ['spec', 'ingress', 0] } }),
    title: 'NetworkPolicy admits new connections to shop/payments:8080',
    severity: 'high',
    message: ['NetworkPolicy ingress of shop/payments now lets this through.'],
    notInMessage: ['more peer'],
  },
  {
    name: 'an admin tier',
    change: sampleChange('netpol-ingress-broadened', {
      anchor: { resource: resource({ kind: 'AdminNetworkPolicy', namespace: undefined }), path: ['spec', 'ingress', 0] },
      facts: { connection: { direction: 'ingress', subject: 'shop/payments', tiers: { now: 'allowed by X', before: 'denied by Y' }, morePeers: 1 } },
    }),
    title: 'AdminNetworkPolicy admits new connections to shop/payments:8080',
    severity: 'high',
    message: ['The ingress of shop/payments now lets this through: now allowed by X; before denied by Y. The same holds for 1 more peer.'],
  },
]);
