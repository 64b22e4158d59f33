import { describe, expect, it } from 'vitest';
import { diffEntries, githubPatch, lineOf, withFiles } from './fixtures/repo.js';
import { BASE_SHA, HEAD_SHA, startApp, useFakeGitHub, pullRequestEvent, type AppUnderTest } from './harness.js';
import { anchors, demoPullRequest } from './scenario.js';

/** Which lines a comment may go on, when GitHub's file list is not the whole story. */
const fake = useFakeGitHub();
const gh = () => fake.gh();

async function start(): Promise<AppUnderTest> {
  const app = await startApp();
  fake.setApp(app);
  return app;
}

function mockRest(pr: { base: Map<string, string> | ReadonlyMap<string, string>; head: ReadonlyMap<string, string> }): void {
  gh().config(null);
  gh().tarball(BASE_SHA, pr.base);
  gh().tarball(HEAD_SHA, pr.head);
  gh().updateCheckRun();
  gh().appIdentity();
  gh().threads();
  gh().pull();
  gh().postReview();
}

describe('commentable lines', () => {
  it('a renamed file: the deleted DENY is commented on the new path, side LEFT, and the new line on the right', async () => {
    const app = await start();
    const demo = demoPullRequest();
    // payments/authz.yaml becomes payments/policies.yaml in the same pull request.
    const head = withFiles(demo.head, { 'payments/authz.yaml': null, 'payments/policies.yaml': demo.head.get('payments/authz.yaml')! });
    const entries = diffEntries(demo.base, head, { owner: 'acme', repo: 'mesh-config' }, HEAD_SHA).filter(
      (e) => !e.filename.startsWith('payments/') || !e.filename.endsWith('authz.yaml'),
    );
    const renamed = entries.find((e) => e.filename === 'payments/policies.yaml')!;
    Object.assign(renamed, {
      status: 'renamed',
      previous_filename: 'payments/authz.yaml',
      patch: githubPatch(demo.base.get('payments/authz.yaml')!, head.get('payments/policies.yaml')!),
    });
    gh().installationToken();
    gh().createCheckRun();
    gh().pullFiles(demo.base, head, HEAD_SHA, 12, entries);
    mockRest({ base: demo.base, head });

    await app.probot.receive({ id: 'delivery-rename', name: 'pull_request', payload: pullRequestEvent('opened', { changedFiles: entries.length }) } as never);

    expect(anchors(gh().reviews()[0]).sort()).toEqual(
      [
        'checkout/authz.yaml:24:RIGHT',
        `payments/policies.yaml:${lineOf(head, 'payments/policies.yaml', '- "*"')}:RIGHT`,
        // GitHub anchors both sides of a renamed file to its new name.
        `payments/policies.yaml:${lineOf(demo.base, 'payments/authz.yaml', '- to:')}:LEFT`,
        `payments/strict-mtls.yaml:${lineOf(demo.base, 'payments/strict-mtls.yaml', 'mode: STRICT')}:LEFT`,
      ].sort(),
    );
  });

  it('a file list cut short (GitHub lists at most 3,000 files): an unlisted file gets its lines from the two snapshots', async () => {
    const app = await start();
    const pr = demoPullRequest();
    const all = diffEntries(pr.base, pr.head, { owner: 'acme', repo: 'mesh-config' }, HEAD_SHA);
    // The listing stops before checkout/authz.yaml, though the pull request says it changes one file more.
    const listed = all.filter((e) => e.filename !== 'checkout/authz.yaml');
    gh().installationToken();
    gh().createCheckRun();
    gh().pullFiles(pr.base, pr.head, HEAD_SHA, 12, listed);
    mockRest(pr);

    await app.probot.receive({ id: 'delivery-truncated', name: 'pull_request', payload: pullRequestEvent('opened', { changedFiles: all.length }) } as never);

    expect(anchors(gh().reviews()[0])).toContain('checkout/authz.yaml:24:RIGHT');
    expect(anchors(gh().reviews()[0])).toHaveLength(4);
  });
});
