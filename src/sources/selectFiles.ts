import picomatch from 'picomatch';
import type { Config } from '../config/schema.js';

export type SelectionConfig = Pick<Config, 'include' | 'exclude'>;

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/** Directories that never hold the project's own manifests, at any depth. */
const IGNORED_DIRS = new Set(['.git', 'node_modules']);

/**
 * Which of `paths` (repo-relative, "/" separated: every file of the snapshot)
 * may hold manifests. The whole listing is needed, not just candidates,
 * because a `Chart.yaml` decides whether a sibling `templates/` is raw Helm.
 */
export function selectFiles(paths: readonly string[], config: SelectionConfig): string[] {
  const isIncluded = picomatch(config.include, { dot: true });
  const isExcluded = config.exclude.length > 0 ? picomatch(config.exclude, { dot: true }) : () => false;
  const chartDirs = findChartDirs(paths);
  return paths.filter((p) => hasManifestExtension(p) && !isInIgnoredDir(p) && isIncluded(p) && !isExcluded(p) && !isUnderChartTemplates(p, chartDirs));
}

export function hasManifestExtension(path: string): boolean {
  const lower = path.toLowerCase();
  return MANIFEST_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

function isInIgnoredDir(path: string): boolean {
  return dirSegments(path).some((segment) => IGNORED_DIRS.has(segment));
}

/** Directories ("" for the root) that contain a `Chart.yaml`. */
function findChartDirs(paths: readonly string[]): Set<string> {
  const dirs = new Set<string>();
  for (const p of paths) {
    if (baseName(p) === 'Chart.yaml') dirs.add(dirName(p));
  }
  return dirs;
}

/**
 * Raw chart templates are Go templates, not YAML: the helm stage renders
 * them, so parsing them here would only produce noise. Any depth below
 * `templates/` counts (charts nest templates in subfolders), and so does a
 * subchart's own `templates/`.
 */
function isUnderChartTemplates(path: string, chartDirs: ReadonlySet<string>): boolean {
  if (chartDirs.size === 0) return false;
  const segments = dirSegments(path);
  for (let i = 0; i < segments.length; i++) {
    if (segments[i] !== 'templates') continue;
    const parent = segments.slice(0, i).join('/');
    if (chartDirs.has(parent)) return true;
  }
  return false;
}

function dirSegments(path: string): string[] {
  return path.split('/').slice(0, -1);
}

function dirName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
