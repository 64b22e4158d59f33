import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const DEMO = 'fixtures/demo';

/**
 * Runs the CLI from source (tsx) in a child process whose module loader
 * records every module it loads (a resolve hook, registered before the CLI
 * starts), and returns the exit code and those module URLs.
 */
async function loadedModules(args: string[]): Promise<{ code: number; modules: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-review-startup-'));
  const log = join(dir, 'modules.txt');
  writeFileSync(log, '');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, result.url + '\\n');
  return result;
}
`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  let code = 0;
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', '--import', pathToFileURL(register).href, 'src/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, GITHUB_TOKEN: '' },
    });
  } catch (e) {
    code = (e as { code?: number }).code ?? -1;
  }
  return { code, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

describe('start-up: each command loads what it needs (issue #11, item 12)', () => {
  it('`diff` loads neither Probot, Octokit nor the GitHub code', async () => {
    const { code, modules } = await loadedModules(['diff', '--base', `${DEMO}/before`, '--head', `${DEMO}/after`]);
    // The review ran (exit 1: the demo has high findings), so the hook saw the whole command.
    expect(code).toBe(1);
    expect(modules.some((m) => m.endsWith('/src/pipeline/review.ts'))).toBe(true);
    expect(modules.filter((m) => /\/node_modules\/(probot|@octokit)\/|\/src\/github\/|\/src\/prCommand\.ts$/.test(m))).toEqual([]);
  }, 60_000);

  it('`pr` does load them: the hook would see them', async () => {
    // Without a token the command stops at once (exit 2), after its module is loaded.
    const { code, modules } = await loadedModules(['pr', 'acme/repo#1']);
    expect(code).toBe(2);
    expect(modules.some((m) => m.endsWith('/src/prCommand.ts'))).toBe(true);
    expect(modules.some((m) => m.includes('/node_modules/@octokit/'))).toBe(true);
  }, 60_000);
});
