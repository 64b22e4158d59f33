/**
 * A stop-gap for measuring the history pairs "with rendering" before the engine
 * renders targets itself (issue #13, items 1-4, branch `render`): every
 * kustomization root of a tree is built with the real `kubectl kustomize` and the
 * tree is replaced by the rendered output of each root (one `rendered.yaml` in the
 * root's folder) plus the plain manifests that no kustomization folder holds.
 * Bench only: no provenance (findings land on rendered.yaml), no Helm, and none of
 * the safety limits of item 4 beyond a time limit; the engine never uses this.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parse } from 'yaml';

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
/** Fields whose entries may name another kustomization folder (kustomize v5 and the deprecated `bases`). */
const REFERENCE_FIELDS = ['resources', 'bases', 'components'] as const;

export interface Prerendered {
  /** The folder to review instead of the side's own. */
  dir: string;
  roots: string[];
  /** Roots kustomize could not build, with its message; their folders are left as they were. */
  failed: { root: string; message: string }[];
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Kustomization folders of a tree, with what each one references and whether it is a Component. */
function kustomizations(files: string[]): Map<string, { component: boolean; refs: string[] }> {
  const found = new Map<string, { component: boolean; refs: string[] }>();
  for (const f of files) {
    if (!KUSTOMIZATION_FILES.some((n) => f.endsWith(`${sep}${n}`))) continue;
    const dir = dirname(f);
    let doc: Record<string, unknown> = {};
    try {
      doc = (parse(readFileSync(f, 'utf8')) as Record<string, unknown> | null) ?? {};
    } catch {
      // An unreadable kustomization still makes its folder a kustomization; kubectl will say why it fails.
    }
    const refs = REFERENCE_FIELDS.flatMap((k) => (Array.isArray(doc[k]) ? (doc[k] as unknown[]) : []))
      .filter((r): r is string => typeof r === 'string')
      .map((r) => resolve(dir, r));
    found.set(dir, { component: doc['kind'] === 'Component', refs });
  }
  return found;
}

const under = (file: string, dir: string) => file === dir || file.startsWith(dir + sep);

export function prerender(side: string): Prerendered | undefined {
  if (!existsSync(side)) return undefined;
  const files = walk(side);
  const ks = kustomizations(files);
  if (ks.size === 0) return undefined;
  const referenced = new Set([...ks.values()].flatMap((k) => k.refs));
  const roots = [...ks.keys()].filter((d) => !referenced.has(d) && !ks.get(d)!.component).sort();
  const out = mkdtempSync(join(tmpdir(), 'history-prerender-'));
  // A Component no root of this tree uses stays as it is: in a trimmed fixture its users were left out.
  const used = new Set<string>();
  const visit = (d: string) => {
    if (used.has(d) || !ks.has(d)) return;
    used.add(d);
    for (const r of ks.get(d)!.refs) visit(r);
  };
  roots.forEach(visit);
  const kdirs = [...ks.keys()].filter((d) => used.has(d));
  // Plain manifests: files in no kustomization folder (nor below one) are read as they are.
  for (const f of files) {
    if (kdirs.some((d) => under(f, d))) continue;
    const to = join(out, relative(side, f));
    mkdirSync(dirname(to), { recursive: true });
    cpSync(f, to);
  }
  const failed: Prerendered['failed'] = [];
  for (const root of roots) {
    const to = join(out, relative(side, root));
    mkdirSync(to, { recursive: true });
    try {
      const rendered = execFileSync('kubectl', ['kustomize', root], { timeout: 30_000, maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
      writeFileSync(join(to, 'rendered.yaml'), rendered);
    } catch (e) {
      const err = e as { stderr?: Buffer; message: string };
      // kubectl prints deprecation warnings first; the error is its last line.
      const lines = (err.stderr?.toString() || err.message).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('# Warning'));
      failed.push({ root: relative(side, root), message: lines.at(-1) ?? 'failed' });
      for (const f of files.filter((x) => under(x, root))) {
        const dest = join(out, relative(side, f));
        mkdirSync(dirname(dest), { recursive: true });
        cpSync(f, dest);
      }
    }
  }
  return { dir: out, roots: roots.map((r) => relative(side, r)), failed };
}
