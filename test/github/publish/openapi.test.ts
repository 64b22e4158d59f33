import { describe, expect, it } from 'vitest';
import { findOperation, validateRequest } from './openapi.js';

/** The validator the other tests rely on must itself catch what GitHub would refuse. */
describe('OpenAPI request validation', () => {
  const ann = { path: 'a.yaml', start_line: 1, end_line: 1, annotation_level: 'notice', message: 'm' };

  it('finds operations by method and path template, most literal first', () => {
    expect(findOperation('POST', '/repos/o/r/check-runs')?.template).toBe('/repos/{owner}/{repo}/check-runs');
    expect(findOperation('PATCH', '/repos/o/r/check-runs/12')?.template).toBe('/repos/{owner}/{repo}/check-runs/{check_run_id}');
    expect(findOperation('POST', '/repos/o/r/pulls/7/comments/99/replies')?.template).toBe(
      '/repos/{owner}/{repo}/pulls/{pull_number}/comments/{comment_id}/replies',
    );
    expect(findOperation('GET', '/repos/o/r/pulls/7?x=1')?.template).toBe('/repos/{owner}/{repo}/pulls/{pull_number}');
  });

  it.each([
    ['PATCH', '/repos/o/r/check-runs/1', { conclusion: 'success', output: { title: 't', summary: 's', annotations: [ann] } }, 0],
    ['PATCH', '/repos/o/r/check-runs/1', { status: 'completed', output: { title: 't', summary: 's' } }, 1], // anyOf: completed needs a conclusion
    ['PATCH', '/repos/o/r/check-runs/1', { conclusion: 'error' }, 1],
    ['PATCH', '/repos/o/r/check-runs/1', { output: { title: 't' } }, 1],
    ['PATCH', '/repos/o/r/check-runs/1', { output: { title: 't', summary: 's', annotations: Array(51).fill(ann) } }, 1],
    ['PATCH', '/repos/o/r/check-runs/1', { output: { title: 't', summary: 's', annotations: [{ ...ann, annotation_level: 'error', start_line: 1.5 }] } }, 2],
    ['PATCH', '/repos/o/r/check-runs/1', { output: { title: 't', summary: 'é'.repeat(65_536) } }, 1],
    ['POST', '/repos/o/r/check-runs', { name: 'n', head_sha: 'abc', status: 'in_progress', started_at: '2025-01-01T00:00:00Z' }, 0],
    ['POST', '/repos/o/r/check-runs', { name: 'n', started_at: 'yesterday' }, 2],
    ['POST', '/repos/o/r/pulls/7/reviews', { event: 'COMMENT', body: 'b', comments: [{ path: 'p', line: 1, side: 'RIGHT', body: 'x' }] }, 0],
    ['POST', '/repos/o/r/pulls/7/reviews', { event: 'LGTM', comments: [{ line: 1 }] }, 3],
    ['POST', '/repos/o/r/pulls/7/comments/1/replies', {}, 1],
    ['POST', '/repos/o/r/no-such-thing', {}, 1],
  ])('%s %s %j → %i problems', (method, path, body, count) => {
    expect(validateRequest(method, path, body)).toHaveLength(count);
  });

  it('checks GraphQL envelopes against the query’s variable declarations', () => {
    const query = 'mutation m($threadId: ID!) { resolveReviewThread(input: {threadId: $threadId}) { thread { id } } }';
    expect(validateRequest('POST', '/graphql', { query, variables: { threadId: 'T' } })).toEqual([]);
    expect(validateRequest('POST', '/graphql', { query, variables: {} })).toHaveLength(1);
    expect(validateRequest('POST', '/graphql', { query, variables: { threadId: 'T', extra: 1 } })).toHaveLength(1);
  });
});
