import rule from '../../../src/findings/rules/ingressExposed.js';
import { ruleTable, sampleChange } from './table.js';

/** The changes `ingress-exposed` takes and its words for them (docs/rules/ingress-exposed.md); every other cause's change it leaves. */
ruleTable(rule, [
  {
    name: 'a backend newly routed',
    change: sampleChange('ingress-exposed'),
    title: 'payments.shop.svc.cluster.local:8080 newly exposed through an ingress gateway',
    severity: 'high',
    notInMessage: ['payments.shop.svc.cluster.local:8080.'],
  },
  {
    name: 'a backend without a name',
    change: sampleChange('ingress-exposed', { facts: { backend: '' } }),
    title: 'A backend newly exposed through an ingress gateway',
    severity: 'high',
  },
  {
    name: 'never raised for exposure (it is the exposure)',
    change: sampleChange('ingress-exposed', { escalation: 'the workload is reachable from outside through gateway istio-system/ingress' }),
    title: 'payments.shop.svc.cluster.local:8080 newly exposed through an ingress gateway',
    severity: 'high',
  },
]);
