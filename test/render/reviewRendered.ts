import { defaultConfig, type Config } from '../../src/config/schema.js';
import { ParseCache } from '../../src/manifests/parseCache.js';
import { reviewSnapshots } from '../../src/pipeline/review.js';
import { renderSides } from '../../src/render/renderSides.js';
import { memorySnapshot } from '../../src/sources/memorySource.js';

/** A review as the CLI runs it, on two in-memory trees: targets rendered by the real tools, then reviewed; with what was rendered. */
export async function reviewRendered(before: Record<string, string>, after: Record<string, string>, config: Config = defaultConfig()) {
  const base = memorySnapshot('base', before);
  const head = memorySnapshot('head', after);
  const cache = new ParseCache();
  const rendered = await renderSides(base, head, config, cache);
  return { ...reviewSnapshots({ base, head, config, cache, rendered, now: new Date('2026-12-01T00:00:00Z') }), rendered };
}
