import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { ParseCache } from '../../src/manifests/parseCache.js';
import { renderSides } from '../../src/render/renderSides.js';
import { openSnapshot } from '../../src/sources/openSource.js';

const CORPUS = resolve(import.meta.dirname, '../../../shared/corpus');

const render = async (repo: string) => {
  const config = defaultConfig();
  const snap = await openSnapshot(`${CORPUS}/${repo}`, config, process.cwd());
  return { paths: new Set(snap.files.map((f) => f.path)), out: await renderSides(snap, snap, config, new ParseCache()) };
};

/** The corpus's kustomize trees and charts, rendered by the real tools: objects land on repo files. */
describe.skipIf(!existsSync(CORPUS))('corpus targets', () => {
  // The charts (consul-k8s, kubeflow-manifests) need their templates in the snapshot, which sources leave out for now.
  it('linkerd2: every target renders or is an error naming a repository file', async () => {
    const { paths, out } = await render('linkerd2');
    expect(out.head.resources.length + out.head.errors.length).toBeGreaterThan(0);
    for (const r of out.head.resources) expect(paths.has(r.file), r.file).toBe(true);
    for (const e of out.head.errors) {
      expect(paths.has(e.file), e.file).toBe(true);
      expect(e.message).toMatch(/^(kustomize|helm):\S+ (failed to render|: remote base)|remote base/);
    }
  }, 120_000);

  it('microservices-demo: its two kustomizations are Components, applied only through a kustomization that lists them: not rendered alone', async () => {
    const { paths, out } = await render('microservices-demo');
    expect(out.head.errors).toEqual([]);
    for (const r of out.head.resources) expect(paths.has(r.file), r.file).toBe(true);
    expect(out.head.resources.filter((r) => r.file.startsWith('kustomize/components/'))).toEqual([]);
  }, 120_000);
});
