import { describe, expect, it } from 'vitest';
import { readExistingThreads } from '../../../src/github/publish/existingThreads.js';
import { bodyFindingMarker, commentMarker, FIXED_MARKER, reviewMarker } from '../../../src/github/publish/markers.js';
import { threadsPage } from './graphqlFixtures.js';
import { fakeThrottle, HEAD, octokit, pr, useGitHubMock } from './helpers.js';

const mock = useGitHubMock();
const fp = (n: number) => n.toString(16).padStart(64, '0');
const APP = 'mesh-review';

describe('readExistingThreads', () => {
  it('reads the app’s threads and reviews with one query, paging through threads', async () => {
    const { throttle } = fakeThrottle();
    const variables: Array<Record<string, unknown>> = [];
    const page1 = threadsPage(
      [
        { id: 'T1', comments: [{ author: APP, body: `x\n${commentMarker(fp(1))}`, databaseId: 11 }] },
        {
          id: 'T2',
          comments: [
            { author: APP, body: commentMarker(fp(2)), databaseId: 12 },
            { author: 'alice', body: 'why?' },
          ],
        },
        { id: 'T3', comments: [{ author: 'alice', body: 'a human thread' }] },
        { id: 'T5', comments: [{ author: APP, body: `several\n${commentMarker(fp(5))}\n${commentMarker(fp(6))}\n${commentMarker(fp(5))}`, databaseId: 15 }] },
      ],
      {
        hasNextPage: true,
        endCursor: 'CUR1',
        reviews: [
          { author: APP, oid: HEAD, body: `${reviewMarker(HEAD, 'run-1')}\n${bodyFindingMarker(fp(9))}` },
          { author: 'alice', oid: HEAD, body: 'LGTM' },
        ],
      },
    );
    const page2 = threadsPage([
      {
        id: 'T4',
        isResolved: true,
        resolvedBy: 'alice',
        comments: [
          { author: APP, body: commentMarker(fp(4)), databaseId: 14 },
          { author: 'alice', body: 'ok' },
          { author: APP, body: `Fixed in abc\n${FIXED_MARKER}` },
        ],
      },
    ]);
    mock
      .api()
      .post('/graphql')
      .times(2)
      .reply(200, (_uri, body) => {
        const v = (body as { variables: Record<string, unknown> }).variables;
        variables.push(v);
        return v.after ? page2 : page1;
      });

    const state = await readExistingThreads(octokit(), pr, { throttle });
    expect(variables).toEqual([
      { owner: 'acme', repo: 'shop', number: 7, after: null, withReviews: true },
      { owner: 'acme', repo: 'shop', number: 7, after: 'CUR1', withReviews: false },
    ]);
    expect(state.threads.map((t) => [t.id, t.fingerprints, t.othersReplied, t.fixedReplied, t.resolvedByOther, t.firstComment.databaseId])).toEqual([
      ['T1', [fp(1)], false, false, false, 11],
      ['T2', [fp(2)], true, false, false, 12],
      ['T5', [fp(5), fp(6)], false, false, false, 15],
      ['T4', [fp(4)], true, true, true, 14],
    ]);
    expect(state.reviews).toEqual([{ id: 'PRR_0', headSha: HEAD, runId: 'run-1', bodyFingerprints: [fp(9).slice(0, 16)] }]);
  });

  it('with appLogin, ignores markers written by anyone else (a pasted marker cannot silence a finding)', async () => {
    const { throttle } = fakeThrottle();
    mock
      .api()
      .post('/graphql')
      .reply(
        200,
        threadsPage([
          { id: 'T1', comments: [{ author: 'mallory', body: commentMarker(fp(1)) }] },
          { id: 'T2', comments: [{ author: 'mesh-review', body: commentMarker(fp(2)) }] },
        ]),
      );
    const state = await readExistingThreads(octokit(), pr, { throttle, appLogin: 'mesh-review[bot]' });
    expect(state.threads.map((t) => t.id)).toEqual(['T2']);
  });
});
