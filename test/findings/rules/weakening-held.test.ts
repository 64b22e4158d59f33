import rule from '../../../src/findings/rules/weakeningHeld.js';
import { resource, ruleTable, sampleChange } from './table.js';

/** The changes `weakening-held` takes and its words for them (docs/rules/weakening-held.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'an ALLOW widened behind a NetworkPolicy',
    change: sampleChange('layer-held'),
    title: 'Weakening held by Kubernetes NetworkPolicy on shop/payments:8080',
    severity: 'info',
    message: [
      'An ALLOW rule admits new requests in one layer, but Kubernetes NetworkPolicy (NetworkPolicy shop/payments-ingress) still refuses every one of them',
    ],
    notInMessage: ['more peer'],
  },
  {
    name: 'a NetworkPolicy deleted under an Istio ALLOW, for several peers',
    change: sampleChange('layer-held', {
      mesh: 'networkpolicy',
      side: 'before',
      anchor: { resource: resource({ kind: 'NetworkPolicy' }), path: ['metadata', 'name'] },
      facts: { held: 'netpol-isolation-lost', layer: 'Istio', holders: ['AuthorizationPolicy shop/payments'], morePeers: 2 },
    }),
    title: 'Weakening held by Istio on shop/payments:8080',
    severity: 'info',
    message: [
      'The pod is no longer isolated, which admits connections in one layer, but Istio (AuthorizationPolicy shop/payments)',
      'The same holds for 2 more peers.',
    ],
  },
  {
    name: 'never raised for exposure',
    change: sampleChange('layer-held', { escalation: 'the workload is reachable from outside through gateway istio-system/ingress' }),
    title: 'Weakening held by Kubernetes NetworkPolicy on shop/payments:8080',
    severity: 'info',
  },
]);
