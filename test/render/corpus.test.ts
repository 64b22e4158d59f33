import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { ParseCache } from '../../src/manifests/parseCache.js';
import { renderSides } from '../../src/render/renderSides.js';
import { openSnapshot } from '../../src/sources/openSource.js';

const CORPUS = '/work/shared/corpus';

/** The corpus's kustomize trees and charts, rendered by the real tools: objects land on repo files. */
describe('corpus targets', () => {
  // The charts (consul-k8s, kubeflow-manifests) need their templates in the snapshot, which sources leave out for now.
  for (const repo of ['microservices-demo', 'linkerd2']) {
    it(`${repo}: every target renders or is an error naming a repository file`, async () => {
      const config = defaultConfig();
      const snap = await openSnapshot(`${CORPUS}/${repo}`, config, process.cwd());
      const paths = new Set(snap.files.map((f) => f.path));
      const out = await renderSides(snap, snap, config, new ParseCache());
      expect(out.head.resources.length + out.head.errors.length).toBeGreaterThan(0);
      for (const r of out.head.resources) expect(paths.has(r.file), r.file).toBe(true);
      for (const e of out.head.errors) {
        expect(paths.has(e.file), e.file).toBe(true);
        expect(e.message).toMatch(/^(kustomize|helm):\S+ (failed to render|: remote base)|remote base/);
      }
    }, 120_000);
  }
});
