/**
 * What a kustomize root reads beside its manifests.
 *
 * `kustomize.loadRestrictor: none` (kustomize's `--load-restrictor LoadRestrictionsNone`), which
 * older trees need (Kubeflow 1.x: a base reads `../../upstream/params.env`), rendered with the real
 * kubectl kustomize. Off only where every path the tree names stays inside the repository: a pull
 * request must not make the render read a file of the host.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDirectorySnapshot } from '../../src/sources/directorySource.js';
import { defaultConfig, type Config } from '../../src/config/schema.js';
import { ParseCache } from '../../src/manifests/parseCache.js';
import { renderSides } from '../../src/render/renderSides.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';
import { findKustomizations, unconfinedReads } from '../../src/targets/kustomizations.js';

const policy = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow-ui
spec:
  rules:
    - from:
        - source:
            namespaces: [istio-system]
`;

/** A base whose ConfigMap generator reads an env file above its own folder, as Kubeflow's `installs/generic` did. */
const tree = (envPath: string, extra: Record<string, string> = {}): Record<string, string> => ({
  'installs/generic/kustomization.yaml': `namespace: kubeflow\nresources: [policy.yaml]\nconfigMapGenerator:\n  - name: params\n    envs: [${envPath}]\n`,
  'installs/generic/policy.yaml': policy,
  'upstream/base/params.env': 'appName=pipeline\n',
  ...extra,
});

async function render(files: Record<string, string>, loadRestrictor: 'rootOnly' | 'none') {
  const config: Config = defaultConfig();
  config.kustomize.loadRestrictor = loadRestrictor;
  const snap = memorySnapshot('head', files);
  return (await renderSides(snap, snap, config, new ParseCache())).head;
}

describe('kustomize load restrictor', () => {
  it('root-only by default: a base reading a file above its folder fails to render, saying so', async () => {
    const r = await render(tree('../../upstream/base/params.env'), 'rootOnly');
    expect(r.failed.has('kustomize:installs/generic')).toBe(true);
    expect(r.errors[0]?.message).toMatch(/is not in or below/);
  });

  it('none: the same tree renders, objects on their own files', async () => {
    const r = await render(tree('../../upstream/base/params.env'), 'none');
    expect(r.errors).toEqual([]);
    expect(r.resources.map((x) => `${x.kind}/${x.name}@${x.file}`).sort()).toEqual([
      'AuthorizationPolicy/allow-ui@installs/generic/policy.yaml',
      expect.stringMatching(/^ConfigMap\/params-[a-z0-9]+@installs\/generic\/kustomization\.yaml$/),
    ]);
  });

  it.each<[string, string, Record<string, string>, RegExp]>([
    ['a path that climbs out of the repository', '../../../etc/hostname', {}, /\.\.\/etc\/hostname is outside the repository/],
    ['an absolute path', '/etc/hostname', {}, /\/etc\/hostname is outside the repository/],
  ])('none is refused for %s: rendered root-only, and the error says why', async (_name, envPath, extra, why) => {
    const r = await render(tree(envPath, extra), 'none');
    expect(r.failed.has('kustomize:installs/generic')).toBe(true);
    expect(r.errors[0]?.message).toMatch(/kustomize\.loadRestrictor none was not applied because/);
    expect(r.errors[0]?.message).toMatch(why);
  });

  it('none is refused for a tree whose plugin configs name paths of their own (transformers), through a base', async () => {
    const files = {
      ...tree('../../upstream/base/params.env'),
      'installs/generic/kustomization.yaml': `resources: [policy.yaml]\ntransformers: [../../upstream/patch-transformer.yaml]\n`,
      'upstream/patch-transformer.yaml': 'apiVersion: builtin\nkind: PatchTransformer\nmetadata: {name: p}\npath: /etc/hostname\n',
      'overlays/prod/kustomization.yaml': 'resources: [../../installs/generic]\n',
    };
    const targets = findKustomizations(Object.entries(files).map(([path, text]) => ({ path, text })));
    const root = targets.roots.find((k) => k.dir === 'overlays/prod')!;
    expect(unconfinedReads(root, targets)).toEqual(['installs/generic/kustomization.yaml: `transformers` names files whose own paths are not checked']);
  });
});

describe('a kustomize generator input that is no manifest', () => {
  // `.env` is no manifest: a directory snapshot keeps it out of `files`. A PR changing only it still
  // changes what the root renders (here through `replacements` into a policy), so the root is rendered
  // again for the head, never shared with the base.
  const files = (caller: string): Record<string, string> => ({
    'app/kustomization.yaml': `resources: [policy.yaml]
configMapGenerator:
  - name: params
    envs: [params.env]
replacements:
  - source: {kind: ConfigMap, name: params, fieldPath: data.caller}
    targets:
      - select: {kind: AuthorizationPolicy, name: allow-ui}
        fieldPaths: [spec.rules.0.from.0.source.namespaces.0]
`,
    'app/policy.yaml': policy,
    'app/params.env': `caller=${caller}\n`,
  });
  const onDisk = async (tree: Record<string, string>) => {
    const dir = await mkdtemp(join(tmpdir(), 'mesh-review-test-'));
    for (const [p, text] of Object.entries(tree)) {
      await mkdir(dirname(join(dir, p)), { recursive: true });
      await writeFile(join(dir, p), text);
    }
    return dir;
  };

  it('is read for the render key and the render: a change to it alone is rendered and reviewed', async () => {
    const [b, h] = await Promise.all([onDisk(files('istio-system')), onDisk(files('other'))]);
    try {
      const config = defaultConfig();
      const base = await readDirectorySnapshot(b, config);
      const head = await readDirectorySnapshot(h, config);
      expect(head.files.map((f) => f.path)).not.toContain('app/params.env');
      const out = await renderSides(base, head, config, new ParseCache());
      const ns = (side: typeof out.base) =>
        side.resources.find((r) => r.kind === 'AuthorizationPolicy')?.body as { spec: { rules: { from: { source: { namespaces: string[] } }[] }[] } };
      expect(ns(out.base).spec.rules[0]!.from[0]!.source.namespaces).toEqual(['istio-system']);
      expect(ns(out.head).spec.rules[0]!.from[0]!.source.namespaces).toEqual(['other']);
      expect(out.renders).toBe(2);
    } finally {
      await Promise.all([rm(b, { recursive: true, force: true }), rm(h, { recursive: true, force: true })]);
    }
  });
});
