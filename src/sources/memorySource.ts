import type { Snapshot } from './snapshot.js';

/** A snapshot held in memory: for tests, benchmarks and callers that fetched files themselves. */
export function memorySnapshot(label: string, files: Record<string, string | Buffer>): Snapshot {
  const entries = Object.entries(files).map(([path, content]) => ({ path, content: typeof content === 'string' ? Buffer.from(content) : content }));
  return {
    label,
    files: entries,
    paths: entries.map((e) => e.path),
    skipped: [],
    readFile: async (path) => entries.find((e) => e.path === path)?.content,
  };
}
