import { Octokit } from '@octokit/rest';
import { UsageError, type CliIo } from './cliIo.js';
import { loadRepoConfig } from './github/repoConfig.js';
import { WriteThrottle } from './github/publish/writeThrottle.js';
import { reviewPullRequest } from './github/reviewPullRequest.js';
import type { GitHub } from './github/types.js';

const TARGET = /^([\w.-]+)\/([\w.-]+)#(\d+)$/;

export interface PrOptions {
  target: string;
  post: boolean;
  token: string | undefined;
  /** For tests: the API base URL. */
  baseUrl?: string;
}

/**
 * `mesh-review pr owner/repo#123`: the app's review from a terminal, through the
 * same code path with @octokit/rest as the transport. Prints the check run and the
 * inline comments the app would post; `--post` publishes them.
 */
export async function prCommand(options: PrOptions, io: CliIo): Promise<number> {
  const m = TARGET.exec(options.target);
  if (!m) throw new PrUsageError(`expected owner/repo#number, not "${options.target}"`);
  if (!options.token) throw new PrUsageError('set GITHUB_TOKEN to a token that can read the repository');
  const [, owner, repo, num] = m as unknown as [string, string, string, string];
  const octokit = new Octokit({ auth: options.token, userAgent: 'mesh-review-cli', ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) });
  const github = octokit as unknown as GitHub;
  const { data: pull } = await octokit.pulls.get({ owner, repo, pull_number: Number(num) });
  const outcome = await reviewPullRequest({
    github,
    pr: { owner, repo, number: pull.number, baseSha: pull.base.sha, headSha: pull.head.sha, baseRef: pull.base.ref, draft: pull.draft === true },
    changedFiles: pull.changed_files,
    loadConfig: () => loadRepoConfig(github, owner, repo),
    log: {
      info: () => undefined,
      warn: (o, msg) => io.stderr.write(`mesh-review: ${msg ?? ''} ${JSON.stringify(o)}\n`),
      error: (o, msg) => io.stderr.write(`mesh-review: ${msg ?? ''} ${JSON.stringify(o)}\n`),
    },
    mode: options.post ? 'publish' : 'dry-run',
    // Its reads (file list, tarballs) wait out secondary rate limits too, as the app's do.
    throttle: new WriteThrottle(),
  });
  const out: string[] = [];
  out.push(
    `Check run "mesh-review" on ${pull.head.sha.slice(0, 7)}: ${outcome.check.conclusion.toUpperCase()} — ${outcome.check.title}`,
    '',
    outcome.check.summary,
    '',
  );
  const comments = outcome.plan?.comments ?? [];
  out.push(options.post ? `Review posted: ${outcome.published?.status ?? 'not posted'}` : `Inline comments the app would post (${comments.length}):`);
  for (const c of comments) out.push('', `--- ${c.path}:${c.line} (${c.side})`, c.body);
  if (outcome.plan && outcome.plan.bodyFindings.length > 0)
    out.push('', `In the review body: ${outcome.plan.bodyFindings.length} finding(s) without a commentable line.`);
  io.stdout.write(`${out.join('\n')}\n`);
  return outcome.check.conclusion === 'failure' ? 1 : 0;
}

/** A bad `pr` argument or a missing token: printed with the usage, exit 2. */
export class PrUsageError extends UsageError {}
