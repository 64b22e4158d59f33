import { createHash } from 'node:crypto';
import type { SnapshotFile } from '../sources/snapshot.js';
import { parseFileContent, type ParseLimits } from './parseFile.js';
import type { ParsedFile } from './resource.js';

export interface ParseCacheStats {
  /** Distinct contents actually parsed. */
  parses: number;
  /** Calls answered from the cache (same content, any path). */
  hits: number;
}

interface ContentEntry {
  /** The result as first parsed, bound to the path it was first seen at. */
  parsed: ParsedFile;
  /** Results re-bound to other paths, so repeated calls return the same objects. */
  byPath: Map<string, ParsedFile>;
}

/**
 * Parses each distinct content once. A PR usually changes a few files, so
 * base and head share most blobs: one cache for both sides halves the work,
 * and a file copied to another path is not parsed again either.
 * Results are shared between callers: treat them as immutable.
 */
export class ParseCache {
  readonly stats: ParseCacheStats = { parses: 0, hits: 0 };
  private readonly entries = new Map<string, ContentEntry>();

  parse(file: SnapshotFile, limits: ParseLimits): ParsedFile {
    const key = contentKey(file, limits);
    const entry = this.entries.get(key);
    if (!entry) {
      const parsed = parseFileContent(file.path, file.content, limits);
      this.stats.parses++;
      this.entries.set(key, { parsed, byPath: new Map([[file.path, parsed]]) });
      return parsed;
    }
    this.stats.hits++;
    let bound = entry.byPath.get(file.path);
    if (!bound) {
      bound = rebind(entry.parsed, file.path);
      entry.byPath.set(file.path, bound);
    }
    return bound;
  }
}

/**
 * Besides the bytes, the result depends on the limits and on whether the
 * path is JSON (which forbids comments), so those are part of the key.
 */
function contentKey(file: SnapshotFile, limits: ParseLimits): string {
  const digest = createHash('sha1').update(file.content).digest('hex');
  const mode = file.path.toLowerCase().endsWith('.json') ? 'json' : 'yaml';
  return `${digest}:${mode}:${limits.maxFileBytes}:${limits.maxDocuments}:${limits.maxAliasNodes ?? ''}`;
}

/** Same objects at another path: shallow copies, sharing bodies and locators (which never look at the path). */
function rebind(parsed: ParsedFile, path: string): ParsedFile {
  return {
    resources: parsed.resources.map((r) => ({ ...r, file: path })),
    errors: parsed.errors.map((e) => ({ ...e, file: path })),
  };
}
