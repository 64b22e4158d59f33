import type { Config } from '../config/schema.js';
/** One file of a snapshot. Content is kept as bytes: decoding is the parser's job (it reports bad UTF-8). */
export interface SnapshotFile {
  /** Repo-relative, "/" separated. */
  path: string;
  content: Buffer;
}

/** The files of one commit (or directory) that may hold manifests. */
export interface Snapshot {
  /** Human label: a directory path or a git ref and its sha. */
  label: string;
  files: SnapshotFile[];
  /**
   * Files skipped because of limits (size), reported as errors. `id` names the
   * content when the source knows it unread (a git blob id), so that a review
   * can tell a skipped file the change edited from one it left alone.
   */
  skipped: { path: string; reason: string; id?: string }[];
  /**
   * Every file path of the snapshot, manifest-like or not, when the source lists them: a Helm
   * chart is rendered from all of its files (templates, `_helpers.tpl`, subcharts), which are
   * not manifests of their own. Absent: `files` is all there is.
   */
  paths?: readonly string[];
  /**
   * Files that are not manifest-like, kept as data for renders (chart files, kustomize generator
   * inputs) where `readFile` cannot reach them (a snapshot sent to a worker thread).
   */
  extra?: SnapshotFile[];
  /**
   * Reads a file that is not manifest-like (e.g. `.github/mesh-review.yml`) from the
   * same snapshot; undefined when absent.
   */
  readFile(path: string): Promise<Buffer | undefined>;
}

/** What reading a tree needs of the configuration: which files, and how large. */
export type SourceConfig = Pick<Config, 'include' | 'exclude'> & { limits: Pick<Config['limits'], 'maxFileBytes' | 'maxDocuments'> };
