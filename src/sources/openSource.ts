import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { readDirectorySnapshot } from './directorySource.js';
import { runGit } from './gitProcess.js';
import { readGitSnapshot } from './gitSource.js';
import type { Snapshot } from './snapshot.js';

export type OpenSnapshotConfig = Pick<Config, 'include' | 'exclude' | 'limits'>;

/**
 * A CLI `--base`/`--head` value: an existing directory is read from disk,
 * anything else is a git ref of the repository containing `cwd`. A directory
 * wins over a ref of the same name because it is what the user can see.
 */
export async function openSnapshot(spec: string, config: OpenSnapshotConfig, cwd: string): Promise<Snapshot> {
  const asPath = resolve(cwd, spec);
  if (await isDirectory(asPath)) return readDirectorySnapshot(asPath, config, { label: spec });
  return readGitSnapshot(await findRepoRoot(cwd, spec), spec, config);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function findRepoRoot(cwd: string, spec: string): Promise<string> {
  const result = await runGit(cwd, ['rev-parse', '--show-toplevel']);
  if (result.code !== 0) {
    throw new Error(`"${spec}" is not a directory, and ${cwd} is not inside a git repository to read it as a ref`);
  }
  return result.stdout.toString('utf8').trim();
}
