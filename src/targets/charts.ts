import { posix } from 'node:path';

const dirOf = (p: string): string => (posix.dirname(p) === '.' ? '' : posix.dirname(p));

/**
 * Helm charts to render: every folder with a Chart.yaml that is not vendored under another
 * chart's `charts/` (a subchart is rendered by its parent, as `helm install` does).
 */
export function findCharts(paths: readonly string[]): string[] {
  const dirs = paths.filter((p) => posix.basename(p) === 'Chart.yaml').map(dirOf);
  const set = new Set(dirs);
  return dirs
    .filter((d) => {
      const parts = d.split('/');
      for (let i = parts.length - 2; i >= 0; i--) if (parts[i] === 'charts' && set.has(parts.slice(0, i).join('/'))) return false;
      return true;
    })
    .sort();
}

/** Files inside a chart (templates, values, Chart.yaml, subcharts): read by helm, no objects of their own. */
export function chartOwnedFiles(paths: readonly string[]): Set<string> {
  const charts = paths.filter((p) => posix.basename(p) === 'Chart.yaml').map(dirOf);
  const out = new Set<string>();
  if (charts.length === 0) return out;
  for (const p of paths) if (charts.some((c) => c === '' || p.startsWith(`${c}/`))) out.add(p);
  return out;
}

/** A `# Source: <chart>/templates/x.yaml` comment as a repo path under the chart folder. */
export function helmSourcePath(chartDir: string, comment: string): string | undefined {
  const m = /Source:\s*(\S+)/.exec(comment);
  if (!m) return undefined;
  const rest = m[1]!.split('/').slice(1).join('/');
  return rest ? posix.join(chartDir, rest) : undefined;
}
