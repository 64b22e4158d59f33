import { describe, expect, it } from 'vitest';
import { buildInventory } from '../../../src/inventory/inventory.js';
import { parseFileContent } from '../../../src/manifests/parseFile.js';
import { decideInjection, droppedNamespaces } from '../../../src/meshes/istio/injection.js';

const LIMITS = { maxFileBytes: 1 << 20, maxDocuments: 100 };

const ns = (labels: string) => (labels === 'absent' ? '' : `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {${labels}}}\n---\n`);
const pod = (labels: string, annotations = '', extra = '') =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\n  labels: {${labels}}\n  annotations: {${annotations}}\nspec:\n  ${extra}containers: [{name: c, image: x}]\n`;

const decide = (yaml: string) => {
  const inv = buildInventory(parseFileContent('x.yaml', Buffer.from(yaml), LIMITS).resources, 'default');
  return decideInjection(inv, inv.workloads[0]!);
};

/** mesh-semantics §2.1 and istio pkg/kube/inject/webhook.go injectRequired. */
describe('Istio sidecar injection', () => {
  it.each([
    ['namespace istio-injection=enabled', ns('istio-injection: enabled') + pod(''), 'sidecar'],
    ['namespace istio.io/rev', ns('istio.io/rev: canary') + pod(''), 'sidecar'],
    ['unlabelled namespace', ns('team: a') + pod(''), 'none'],
    ['namespace disabled beats pod "true"', ns('istio-injection: disabled') + pod('sidecar.istio.io/inject: "true"'), 'none'],
    ['pod label "false" in an enabled namespace', ns('istio-injection: enabled') + pod('sidecar.istio.io/inject: "false"'), 'none'],
    ['pod annotation "false" in an enabled namespace', ns('istio-injection: enabled') + pod('', 'sidecar.istio.io/inject: "false"'), 'none'],
    ['pod label beats pod annotation', ns('istio-injection: enabled') + pod('sidecar.istio.io/inject: "true"', 'sidecar.istio.io/inject: "false"'), 'sidecar'],
    ['pod label "true" in an unlabelled namespace', ns('team: a') + pod('sidecar.istio.io/inject: "true"'), 'sidecar'],
    ['pod annotation "true" alone does not reach the webhook', ns('team: a') + pod('', 'sidecar.istio.io/inject: "true"'), 'none'],
    ['hostNetwork pods are never injected', ns('istio-injection: enabled') + pod('', '', 'hostNetwork: true\n  '), 'none'],
    ['kube-system is never injected', pod('sidecar.istio.io/inject: "true"').replace('namespace: shop', 'namespace: kube-system'), 'none'],
    ['ambient namespace: ztunnel, not unmanaged', ns('istio.io/dataplane-mode: ambient') + pod(''), 'ambient'],
    ['ambient namespace, pod opted out', ns('istio.io/dataplane-mode: ambient') + pod('istio.io/dataplane-mode: none'), 'none'],
    ['namespace outside the repository: assumed in the mesh', pod(''), 'sidecar'],
    // cni/pkg/util/enablement_selector.go `Matches` and the default enablement selectors.
    ['ambient namespace, hostNetwork pod: never captured', ns('istio.io/dataplane-mode: ambient') + pod('', '', 'hostNetwork: true\n  '), 'none'],
    ['hostNetwork pod labelled ambient: never captured', ns('team: a') + pod('istio.io/dataplane-mode: ambient', '', 'hostNetwork: true\n  '), 'none'],
    ['pod label ambient in an unlabelled namespace', ns('team: a') + pod('istio.io/dataplane-mode: ambient'), 'ambient'],
    ['pod label none outside ambient changes nothing', ns('istio-injection: enabled') + pod('istio.io/dataplane-mode: none'), 'sidecar'],
    ['a sidecar wins over ambient enrolment', ns('istio.io/dataplane-mode: ambient') + pod('sidecar.istio.io/inject: "true"'), 'sidecar'],
    [
      'inject "false" in an ambient namespace: ztunnel captures it',
      ns('istio.io/dataplane-mode: ambient') + pod('sidecar.istio.io/inject: "false"'),
      'ambient',
    ],
    [
      'kube-system is excluded from ambient by default',
      ns('istio.io/dataplane-mode: ambient').replace('name: shop', 'name: kube-system') + pod('').replace('namespace: shop', 'namespace: kube-system'),
      'none',
    ],
  ])('%s', (_name, yaml, expected) => {
    expect(decide(yaml).dataPlane).toBe(expected);
  });

  it('names the line that decided it', () => {
    const d = decide(ns('istio-injection: enabled') + pod('sidecar.istio.io/inject: "false"'));
    expect(d.origin?.path).toEqual(['metadata', 'labels', 'sidecar.istio.io/inject']);
    expect(d.origin?.resource.locate(d.origin.path)).toBe(10); // the `labels:` line of the pod
  });

  it('an ambient opt-out is decided by the pod label, not the namespace', () => {
    const d = decide(ns('istio.io/dataplane-mode: ambient') + pod('istio.io/dataplane-mode: none'));
    expect(d.origin?.path).toEqual(['metadata', 'labels', 'istio.io/dataplane-mode']);
    expect(d.origin?.resource.kind).toBe('Pod');
    expect(d.why).toContain('out of ambient');
  });

  it('a hostNetwork pod in an ambient namespace is decided by hostNetwork', () => {
    const d = decide(ns('istio.io/dataplane-mode: ambient') + pod('', '', 'hostNetwork: true\n  '));
    expect(d.origin?.path).toEqual(['spec', 'hostNetwork']);
    expect(d.why).toContain('ambient');
  });
});

describe('a namespace the head no longer declares (droppedNamespaces)', () => {
  const inventory = (yaml: string) => buildInventory(parseFileContent('x.yaml', Buffer.from(yaml), LIMITS).resources, 'default');

  it.each([
    ['istio-injection=enabled', ns('istio-injection: enabled'), 'istio-injection=enabled'],
    ['istio.io/rev', ns('istio.io/rev: canary'), 'istio.io/rev=canary'],
    ['ambient', ns('istio.io/dataplane-mode: ambient'), 'istio.io/dataplane-mode=ambient'],
    ['istio-injection wins over istio.io/rev', ns('istio-injection: enabled, istio.io/rev: canary'), 'istio-injection=enabled'],
    ['never enrolled', ns('team: a'), undefined],
    ['disabled', ns('istio-injection: disabled, istio.io/rev: canary'), undefined],
  ])('%s', (_name, baseNs, label) => {
    expect(droppedNamespaces(inventory(baseNs + pod('')), inventory(pod(''))).get('shop')?.label).toBe(label);
  });

  it('a namespace the head still declares, whatever its labels, is judged by them', () => {
    expect(droppedNamespaces(inventory(ns('istio-injection: enabled')), inventory(ns('team: a'))).size).toBe(0);
  });

  it('its pods are no longer assumed injected; pods opted in by their own label keep their sidecar', () => {
    const head = inventory(pod('') + '---\n' + pod('sidecar.istio.io/inject: "true"').replace('name: p', 'name: q'));
    const dropped = droppedNamespaces(inventory(ns('istio-injection: enabled')), head);
    const [plain, optedIn] = head.workloads;
    expect(decideInjection(head, plain!, dropped)).toMatchObject({ dataPlane: 'none', origin: undefined });
    expect(decideInjection(head, plain!, dropped).why).toContain('no longer declared in the repository');
    expect(decideInjection(head, optedIn!, dropped).dataPlane).toBe('sidecar');
    expect(decideInjection(head, plain!).dataPlane).toBe('sidecar'); // without the base: assumed, as before
  });
});
