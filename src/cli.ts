#!/usr/bin/env node
import { renderSides } from './render/renderSides.js';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadBaseConfig, loadConfigFile } from './config/loadConfig.js';
import { defaultConfig, type Config } from './config/schema.js';
import { SEVERITIES, Severity } from './findings/finding.js';
import { RULES } from './findings/rules/index.js';
import { ParseCache } from './manifests/parseCache.js';
import { reviewSnapshots } from './pipeline/review.js';
import type { ReviewResult } from './pipeline/reviewResult.js';
import { renderJson } from './report/json.js';
import { renderMarkdown, ruleUrl } from './report/markdown.js';
import { PROJECT_URL } from './report/projectUrl.js';
import { renderSarif } from './report/sarif.js';
import { renderText } from './report/text.js';
import { UsageError, type CliIo } from './cliIo.js';
import { openSnapshot } from './sources/openSource.js';

const USAGE = `Usage: mesh-review diff --base <dir|git-ref> --head <dir|git-ref> [options]
       mesh-review pr <owner>/<repo>#<number> [--post]     (token from GITHUB_TOKEN)

Reviews the service-mesh security changes between two trees or commits:
per workload and port, who can reach it and over what transport, before and after.

Options:
  --format text|markdown|json|sarif   output format (default: text)
  --config FILE                       configuration (default: .github/mesh-review.yml at --base)
  --post                              pr: publish the check run and review (default: print them)
  --fail-on critical|high|medium|low|info
                                      exit 1 when a finding is at or above this severity (default: high)
  -h, --help                          this help

Exit status: 0 nothing at or above --fail-on, 1 something is, 2 usage or configuration error.`;

export type { CliIo } from './cliIo.js';

export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        base: { type: 'string' },
        head: { type: 'string' },
        format: { type: 'string', default: 'text' },
        config: { type: 'string' },
        'fail-on': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        post: { type: 'boolean' },
      },
    });
  } catch (e) {
    io.stderr.write(`mesh-review: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    if (positionals[0] === 'pr') {
      if (positionals.length !== 2) throw new UsageError('pr takes one argument: owner/repo#number');
      // Loaded only for `pr`: Octokit and the GitHub code cost every other run a third of a second.
      const { prCommand } = await import('./prCommand.js');
      return await prCommand({ target: positionals[1]!, post: values.post === true, token: process.env.GITHUB_TOKEN }, io);
    }
    if (positionals[0] !== 'diff') throw new UsageError(positionals.length === 0 ? 'missing command' : `unknown command "${positionals[0]}"`);
    if (!values.base || !values.head) throw new UsageError('--base and --head are required');
    const format = values.format ?? 'text';
    if (!['text', 'markdown', 'json', 'sarif'].includes(format)) throw new UsageError(`--format must be text, markdown, json or sarif, not "${format}"`);
    const failOn = values['fail-on'];
    if (failOn !== undefined && !Severity.safeParse(failOn).success) throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}`);

    const started = Date.now();
    const progress = setTimeout(() => io.stderr.isTTY && io.stderr.write('mesh-review: reviewing…\n'), 1000);
    try {
      const cwd = process.cwd();
      const config = await resolveConfig(values.config, values.base, cwd);
      if (failOn) config.failOn = failOn as Severity;
      const [base, head] = await Promise.all([openSnapshot(values.base, config, cwd), openSnapshot(values.head, config, cwd)]);
      const cache = new ParseCache();
      // Kustomize roots rendered by the real tool (a missing tool throws: exit 2 below).
      const rendered = await renderSides(base, head, config, cache);
      const result = reviewSnapshots({ base, head, config, cache, rendered });
      io.stdout.write(render(result, format, io.stdout.isTTY === true && !process.env.NO_COLOR));
      if (io.stderr.isTTY && Date.now() - started > 1000) io.stderr.write(`mesh-review: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      return result.summary.failed ? 1 : 0;
    } finally {
      clearTimeout(progress);
    }
  } catch (e) {
    io.stderr.write(`mesh-review: ${(e as Error).message}\n`);
    if (e instanceof UsageError) io.stderr.write(`\n${USAGE}\n`);
    return 2;
  }
}

class ConfigError extends Error {}

async function resolveConfig(path: string | undefined, baseSpec: string, cwd: string): Promise<Config> {
  const result = path ? await loadConfigFile(path) : await loadBaseConfig(await openSnapshot(baseSpec, defaultConfig(), cwd));
  if ('error' in result) throw new ConfigError(result.error);
  return result.config;
}

function render(result: ReviewResult, format: string, color: boolean): string {
  switch (format) {
    case 'json':
      return renderJson(result);
    case 'markdown':
      return `${renderMarkdown(result, { docsBaseUrl: PROJECT_URL })}\n`;
    case 'sarif':
      return renderSarif(result, {
        toolVersion: version(),
        rules: RULES.map((r) => ({
          id: r.id,
          formerIds: r.formerIds,
          title: r.rationale.split('. ')[0] ?? r.id,
          category: r.category,
          severity: r.severity,
          helpUri: ruleUrl(PROJECT_URL, r.id),
          description: r.rationale,
        })),
      });
    default:
      return renderText(result, { color });
  }
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function invokedDirectly(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  // exitCode, not exit(): exit() would cut stdout short when it is a slow pipe.
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
