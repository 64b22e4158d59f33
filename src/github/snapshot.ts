import { posix } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import picomatch from 'picomatch';
import { extract as tarExtract, type Extract } from 'tar-stream';
import { toSafeRepoPath } from '../sources/repoPath.js';
import { hasManifestExtension, selectFiles } from '../sources/selectFiles.js';
import type { Snapshot, SnapshotFile, SourceConfig } from '../sources/snapshot.js';
import { tooLargeReason } from '../sources/sourceUtil.js';
import { redactSecrets } from './publish/secrets.js';
import type { WriteThrottle } from './publish/writeThrottle.js';
import type { GitHub } from './types.js';

export type TarballConfig = SourceConfig;

export interface FetchSnapshotOptions {
  /** Bytes of manifest-like files held in memory at once; more fails the fetch (default 200 MiB). */
  maxTotalBytes?: number;
  /** Manifest-like entries (files, links, oversized ones) in the archive; more fails the fetch (default 50,000). */
  maxFiles?: number;
  /** Aborts the download, e.g. when a newer push supersedes this review. */
  signal?: AbortSignal;
  /**
   * The review's throttle: the tarball request goes through its `read`, which
   * waits out a secondary rate limit (403/429 with `retry-after`, or until
   * `x-ratelimit-reset`) and retries a 5xx. Without one, any error is final.
   */
  throttle?: WriteThrottle;
}

/** tar-stream names the entry type but does not export it. */
type Entry = Extract extends AsyncIterable<infer T> ? T : never;

export const DEFAULT_MAX_TOTAL_BYTES = 200 * 1024 * 1024;
export const DEFAULT_MAX_FILES = 50_000;

/** Same bound as the git source: link chains (and cycles) end like the kernel's ELOOP. */
const MAX_LINK_HOPS = 8;

/**
 * A snapshot that could not be fetched or read. Carries the HTTP status and the
 * rate-limit headers so that the caller can retry or end the check run, but
 * never the original error: Octokit's errors hold the response URL, and after
 * the redirect that is codeload's signed URL, whose query is a token.
 */
export class SnapshotFetchError extends Error {
  override readonly name = 'SnapshotFetchError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(redactSecrets(message));
  }
}

/**
 * The manifest-like files of `repo` at `sha`, from one tarball request.
 *
 * One request per side keeps the API cost constant in repository size (the
 * contents API would need a request per file). The archive is streamed: only
 * candidates are buffered, everything else is drained as it passes.
 */
export async function fetchSnapshot(
  github: GitHub,
  repo: { owner: string; repo: string },
  sha: string,
  config: TarballConfig,
  options: FetchSnapshotOptions = {},
): Promise<Snapshot> {
  const name = `${repo.owner}/${repo.repo}`;
  let body: WebReadableStream<Uint8Array> | null;
  try {
    const request = () => {
      // A rate-limit wait may outlast the review: its retry must not start a download nobody reads.
      if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new Error('aborted');
      return github.request('GET /repos/{owner}/{repo}/tarball/{ref}', {
        owner: repo.owner,
        repo: repo.repo,
        ref: sha,
        // The archive must not be read into one buffer: Octokit then hands back fetch's body stream.
        request: { parseSuccessResponseBody: false, ...(options.signal ? { signal: options.signal } : {}) },
      });
    };
    const response = await (options.throttle ? options.throttle.read(request) : request());
    body = response.data as WebReadableStream<Uint8Array> | null;
    // Typed as GitHub's 302, but fetch follows it and answers with codeload's status. A
    // fetch told not to follow hands back the 302 itself, which Octokit counts as success.
    const status: number = response.status;
    if (status !== 200 || !body) {
      await body?.cancel();
      throw new SnapshotFetchError(`could not fetch commit ${sha} of ${name}: GitHub answered ${status} without an archive`, status);
    }
  } catch (error) {
    if (error instanceof SnapshotFetchError) throw error;
    throw requestFailure(error, name, sha);
  }

  let archive: ArchiveContents;
  try {
    archive = await readArchive(Readable.fromWeb(body), config, {
      maxTotalBytes: options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES,
      maxFiles: options.maxFiles ?? DEFAULT_MAX_FILES,
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof LimitExceeded) throw new SnapshotFetchError(`commit ${sha} of ${name}: ${error.message}`, undefined);
    throw new SnapshotFetchError(`could not read the archive of commit ${sha} of ${name}: ${messageOf(error)}`, undefined);
  }
  return toSnapshot(`${name}@${sha.slice(0, 7)}`, archive, config);
}

/** A cap of `FetchSnapshotOptions` was reached: the repository's fault, not the network's. */
class LimitExceeded extends Error {}

interface Caps {
  maxTotalBytes: number;
  maxFiles: number;
  signal: AbortSignal | undefined;
}

interface ArchiveContents {
  /** Every buffered candidate, selected or not: links may point at any of them. */
  buffered: Map<string, Buffer>;
  oversized: Map<string, number>;
  links: Map<string, string>;
  /** Every `Chart.yaml`, even excluded ones: they decide which `templates/` are raw Helm. */
  chartFiles: string[];
  /** Small files that are not manifest-like, kept for renders: chart templates' helpers, kustomize generator inputs. */
  extra: Map<string, Buffer>;
  /** Every file path of the archive (bounded), so that a chart is rendered from all its files. */
  paths: string[];
}

/**
 * What is kept beside the manifests for renders: files a chart or a kustomization reads that
 * are no manifests (`_helpers.tpl`, NOTES.txt, `.env`, `.properties`, scripts a generator
 * embeds). Small text-like files only, within their own budget: a render that needs a file
 * not kept fails (and says which), it is never given a partial chart quietly.
 */
const EXTRA_MAX_FILE_BYTES = 256 * 1024;
const EXTRA_MAX_TOTAL_BYTES = 32 * 1024 * 1024;
const EXTRA_MAX_FILES = 10_000;
const MAX_LISTED_PATHS = 200_000;
const BINARY_EXTENSIONS =
  /\.(png|jpe?g|gif|ico|svg|webp|bmp|pdf|zip|gz|tgz|bz2|xz|tar|jar|war|class|so|dylib|dll|exe|bin|woff2?|ttf|otf|eot|mp[34]|mov|avi|wasm|pyc|o|a)$/i;

async function readArchive(source: Readable, config: TarballConfig, caps: Caps): Promise<ArchiveContents> {
  const isCandidate = candidateFilter(config);
  const contents: ArchiveContents = { buffered: new Map(), oversized: new Map(), links: new Map(), chartFiles: [], extra: new Map(), paths: [] };
  let bufferedBytes = 0;
  let extraBytes = 0;
  let candidates = 0;

  const gunzip = createGunzip();
  const extract = tarExtract();
  // pipe() does not forward errors: without these a reset connection or a corrupt
  // gzip stream would leave the loop below waiting forever.
  source.on('error', (error) => extract.destroy(error));
  gunzip.on('error', (error) => extract.destroy(error));
  // Not every fetch ties its signal to the body it already returned (nock's does not).
  const onAbort = () => extract.destroy(caps.signal?.reason instanceof Error ? caps.signal.reason : new Error('aborted'));
  caps.signal?.addEventListener('abort', onAbort, { once: true });
  if (caps.signal?.aborted) onAbort();
  source.pipe(gunzip).pipe(extract);
  try {
    for await (const entry of extract) {
      const path = repoPathOf(entry.header.name);
      const type = entry.header.type;
      const isFile = type === 'file' || type === 'contiguous-file';
      if (path !== undefined && isFile && contents.paths.length < MAX_LISTED_PATHS) contents.paths.push(path);
      if (path !== undefined && isFile && !hasManifestExtension(path)) {
        const size = entry.header.size ?? 0;
        const keep =
          size <= EXTRA_MAX_FILE_BYTES &&
          extraBytes + size <= EXTRA_MAX_TOTAL_BYTES &&
          contents.extra.size < EXTRA_MAX_FILES &&
          !BINARY_EXTENSIONS.test(path) &&
          !path.split('/').some((s) => s === '.git' || s === 'node_modules');
        if (keep) {
          extraBytes += size;
          contents.extra.set(path, await readEntry(entry, size));
        } else entry.resume();
        continue;
      }
      if (path === undefined || !(isFile || type === 'symlink') || !hasManifestExtension(path)) {
        entry.resume();
        continue;
      }
      if (posix.basename(path) === 'Chart.yaml') contents.chartFiles.push(path);
      if (!isCandidate(path)) {
        entry.resume();
        continue;
      }
      if (++candidates > caps.maxFiles) {
        throw new LimitExceeded(`the archive has more than ${caps.maxFiles} manifest-like files; narrow \`include\` in the configuration`);
      }
      if (type === 'symlink') {
        contents.links.set(path, entry.header.linkname ?? '');
        entry.resume();
        continue;
      }
      const size = entry.header.size ?? 0;
      if (size > config.limits.maxFileBytes) {
        contents.oversized.set(path, size);
        entry.resume();
        continue;
      }
      bufferedBytes += size;
      if (bufferedBytes > caps.maxTotalBytes) {
        throw new LimitExceeded(`the archive's manifest-like files exceed ${caps.maxTotalBytes} bytes in total; narrow \`include\` in the configuration`);
      }
      contents.buffered.set(path, await readEntry(entry, size));
    }
  } finally {
    caps.signal?.removeEventListener('abort', onAbort);
    // On an early exit (a cap, an abort) this cancels the download instead of letting it run on.
    source.destroy();
    gunzip.destroy();
  }
  return contents;
}

/**
 * A cheap superset of `selectFiles` for one path, decided as the entry passes
 * (the final choice needs the whole listing). Compiled once: picomatch costs
 * about 0.1 ms per compile, too much per entry of a large archive. Ignored
 * directories are dropped here too so a committed `node_modules` cannot fill
 * the byte cap; `selectFiles` drops them again at the end.
 */
function candidateFilter(config: TarballConfig): (path: string) => boolean {
  const isIncluded = picomatch(config.include, { dot: true });
  const isExcluded = config.exclude.length > 0 ? picomatch(config.exclude, { dot: true }) : () => false;
  return (path) =>
    !path
      .split('/')
      .slice(0, -1)
      .some((s) => s === '.git' || s === 'node_modules') &&
    isIncluded(path) &&
    !isExcluded(path);
}

/** The repo-relative path of an archive entry: GitHub puts everything under `owner-repo-sha/`. */
function repoPathOf(name: string): string | undefined {
  const slash = name.indexOf('/');
  if (slash < 0) return undefined;
  const rest = name.slice(slash + 1);
  if (rest === '' || rest.endsWith('/')) return undefined;
  try {
    return toSafeRepoPath(rest) === rest ? rest : undefined;
  } catch {
    // A git tree cannot hold `..` or absolute names; an archive that does is not trusted with them.
    return undefined;
  }
}

async function readEntry(entry: Entry, size: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of entry as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    total += chunk.length;
  }
  if (total !== size) throw new Error(`archive entry ${entry.header.name} is truncated`);
  return Buffer.concat(chunks, total);
}

function toSnapshot(label: string, archive: ArchiveContents, config: TarballConfig): Snapshot {
  const listing = [...new Set([...archive.buffered.keys(), ...archive.oversized.keys(), ...archive.links.keys(), ...archive.chartFiles])];
  const files = new Map<string, Buffer>();
  const skipped: Snapshot['skipped'] = [];
  for (const path of selectFiles(listing.sort(), config)) {
    const target = archive.links.has(path) ? resolveLink(archive, path) : path;
    if (target === undefined) {
      skipped.push({ path, reason: 'symlink points outside the repository (or at a file not kept from the archive); not followed' });
      continue;
    }
    const content = archive.buffered.get(target);
    const oversize = archive.oversized.get(target);
    if (content !== undefined) files.set(path, content);
    else if (oversize !== undefined) skipped.push({ path, reason: tooLargeReason(oversize, config.limits.maxFileBytes) });
  }
  const snapshotFiles: SnapshotFile[] = [...files].map(([path, content]) => ({ path, content }));
  // Kept for renders: manifest-like files the selection left out (chart templates) and the small non-manifest ones.
  const extra = new Map([...[...archive.buffered].filter(([p]) => !files.has(p)), ...archive.extra]);
  return {
    label,
    files: snapshotFiles,
    skipped,
    paths: archive.paths,
    extra: [...extra].map(([path, content]) => ({ path, content })),
    // Only kept files: configuration is read from the default branch, never from a snapshot.
    readFile: async (path) => {
      const safe = toSafeRepoPath(path);
      return files.get(safe) ?? extra.get(safe);
    },
  };
}

/**
 * Reads a link through to a file of the archive, as the git source does, so
 * the app and `mesh-review diff` with git refs see the same files. Only targets
 * that were buffered can be followed: the stream has passed the others.
 */
function resolveLink(archive: ArchiveContents, path: string): string | undefined {
  let current = path;
  for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
    const link = archive.links.get(current);
    if (link === undefined) return archive.buffered.has(current) || archive.oversized.has(current) ? current : undefined;
    if (link.startsWith('/')) return undefined;
    const joined = posix.normalize(posix.join(posix.dirname(current), link));
    if (joined === '..' || joined.startsWith('../')) return undefined;
    current = joined;
  }
  return undefined;
}

function requestFailure(error: unknown, name: string, sha: string): SnapshotFetchError {
  const response = (error as { response?: { status?: unknown; headers?: Record<string, unknown> } } | undefined)?.response;
  // Octokit labels a request that got no answer at all (reset, DNS, abort) 500; only a response has a status of GitHub's.
  const status = typeof response?.status === 'number' ? response.status : undefined;
  const headers = rateLimitHeaders(response?.headers);
  const why =
    status === 404
      ? 'GitHub answered 404 (the commit is gone, e.g. force-pushed away, or the app cannot read the repository)'
      : status !== undefined
        ? `GitHub answered ${status}: ${messageOf(error)}`
        : messageOf(error);
  return new SnapshotFetchError(`could not fetch commit ${sha} of ${name}: ${why}`, status, headers);
}

/** The headers a retry needs; the rest stay behind (a redirect's `location` is a signed URL). */
function rateLimitHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const key of ['retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-resource']) {
    const value = headers?.[key];
    if (typeof value === 'string' || typeof value === 'number') kept[key] = String(value);
  }
  return kept;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
