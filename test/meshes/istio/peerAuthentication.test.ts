import { describe, expect, it } from 'vitest';
import { buildInventory } from '../../../src/inventory/inventory.js';
import { parseFileContent } from '../../../src/manifests/parseFile.js';
import { collectIstioResources } from '../../../src/meshes/istio/istioResources.js';
import { effectiveMode, indexPeerAuthentications } from '../../../src/meshes/istio/peerAuthentication.js';

const LIMITS = { maxFileBytes: 1 << 20, maxDocuments: 100 };
const WORKLOAD = `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop, labels: {app: pay}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 8080}]}]}
`;
const pa = (ns: string, spec: string, name = `pa-${ns}-${Math.abs(hash(spec))}`) =>
  `---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: ${spec}\n`;
function hash(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}

const mode = (policies: string[], port: number | null = 8080, root = 'istio-system') => {
  const inv = buildInventory(parseFileContent('x.yaml', Buffer.from(WORKLOAD + policies.join('')), LIMITS).resources, 'default');
  const levels = indexPeerAuthentications(collectIstioResources(inv).peerAuthentications, root);
  return effectiveMode(levels, inv.workloads[0]!, port, 'weakest');
};

/** mesh-semantics §2.2 and istio ComposePeerAuthentication. */
describe('PeerAuthentication effective mode', () => {
  it.each([
    ['no policy: PERMISSIVE', [], 'PERMISSIVE'],
    ['mesh STRICT', [pa('istio-system', '{mtls: {mode: STRICT}}')], 'STRICT'],
    ['namespace overrides mesh', [pa('istio-system', '{mtls: {mode: STRICT}}'), pa('shop', '{mtls: {mode: PERMISSIVE}}')], 'PERMISSIVE'],
    [
      'workload overrides namespace',
      [pa('shop', '{mtls: {mode: PERMISSIVE}}'), pa('shop', '{selector: {matchLabels: {app: pay}}, mtls: {mode: STRICT}}')],
      'STRICT',
    ],
    ['UNSET inherits', [pa('istio-system', '{mtls: {mode: STRICT}}'), pa('shop', '{mtls: {mode: UNSET}}')], 'STRICT'],
    ['missing mtls inherits', [pa('istio-system', '{mtls: {mode: STRICT}}'), pa('shop', '{}')], 'STRICT'],
    ['DISABLE is plaintext', [pa('shop', '{mtls: {mode: DISABLE}}')], 'PLAINTEXT'],
    [
      'port-level beats workload',
      [pa('shop', '{selector: {matchLabels: {app: pay}}, mtls: {mode: STRICT}, portLevelMtls: {"8080": {mode: PERMISSIVE}}}')],
      'PERMISSIVE',
    ],
    [
      'port-level UNSET keeps the workload mode',
      [pa('shop', '{selector: {matchLabels: {app: pay}}, mtls: {mode: STRICT}, portLevelMtls: {"8080": {mode: UNSET}}}')],
      'STRICT',
    ],
    [
      'port-level on another port does not apply',
      [pa('shop', '{selector: {matchLabels: {app: pay}}, mtls: {mode: STRICT}, portLevelMtls: {"9090": {mode: DISABLE}}}')],
      'STRICT',
    ],
    ['namespace-level portLevelMtls is ignored', [pa('shop', '{mtls: {mode: STRICT}, portLevelMtls: {"8080": {mode: DISABLE}}}')], 'STRICT'],
    ['root-namespace policy with a selector is ignored', [pa('istio-system', '{selector: {matchLabels: {app: pay}}, mtls: {mode: STRICT}}')], 'PERMISSIVE'],
    ['a selector that does not match is ignored', [pa('shop', '{selector: {matchLabels: {app: other}}, mtls: {mode: STRICT}}')], 'PERMISSIVE'],
  ] as const)('%s', (_name, policies, expected) => {
    expect(mode([...policies]).mode).toBe(expected);
  });

  it('the root namespace is configurable', () => {
    expect(mode([pa('mesh-root', '{mtls: {mode: STRICT}}')], 8080, 'mesh-root').mode).toBe('STRICT');
    expect(mode([pa('mesh-root', '{mtls: {mode: STRICT}}')], 8080, 'istio-system').mode).toBe('PERMISSIVE');
  });

  it('two namespace-wide policies are ambiguous; the weaker is assumed', () => {
    const m = mode([pa('shop', '{mtls: {mode: STRICT}}', 'a'), pa('shop', '{mtls: {mode: PERMISSIVE}}', 'b')]);
    expect(m.mode).toBe('PERMISSIVE');
    expect(m.ambiguous).toHaveLength(1);
  });

  it('names the mode field that decided it', () => {
    const m = mode([pa('shop', '{selector: {matchLabels: {app: pay}}, portLevelMtls: {"8080": {mode: DISABLE}}}')]);
    expect(m.origin?.path).toEqual(['spec', 'portLevelMtls', '8080', 'mode']);
  });
});
