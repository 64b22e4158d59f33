import { describe, expect, it } from 'vitest';
import { viewError } from '../../../src/github/publish/httpErrors.js';
import { rateLimitWaitMs, WriteThrottle } from '../../../src/github/publish/writeThrottle.js';
import { fakeThrottle, octokit, useGitHubMock } from './helpers.js';

const mock = useGitHubMock();

const patch = (throttle: WriteThrottle, idempotent = true) =>
  throttle.write(
    () =>
      octokit().request('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', {
        owner: 'acme',
        repo: 'shop',
        check_run_id: 1,
        conclusion: 'success',
        output: { title: 't', summary: 's' },
      }),
    { idempotent },
  );
const secondary = { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' };

describe('WriteThrottle', () => {
  it('waits retry-after seconds on a secondary rate limit, then succeeds', async () => {
    const { throttle, sleeps } = fakeThrottle();
    mock
      .api()
      .patch('/repos/acme/shop/check-runs/1')
      .reply(403, secondary, { 'retry-after': '2' })
      .patch('/repos/acme/shop/check-runs/1')
      .reply(200, { id: 1 });
    const res = await patch(throttle);
    expect(res.data.id).toBe(1);
    expect(sleeps).toEqual([2000]);
  });

  it('honours retry-after on a 429 too', async () => {
    const { throttle, sleeps } = fakeThrottle();
    mock
      .api()
      .patch('/repos/acme/shop/check-runs/1')
      .reply(429, { message: 'Too Many Requests' }, { 'retry-after': '7' })
      .patch('/repos/acme/shop/check-runs/1')
      .reply(200, { id: 1 });
    await patch(throttle);
    expect(sleeps).toEqual([7000]);
  });

  it('waits until x-ratelimit-reset when remaining is 0 and there is no retry-after', async () => {
    const { throttle, sleeps, clock } = fakeThrottle();
    const reset = Math.floor(clock.now / 1000) + 30;
    mock
      .api()
      .patch('/repos/acme/shop/check-runs/1')
      .reply(403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) })
      .patch('/repos/acme/shop/check-runs/1')
      .reply(200, { id: 1 });
    await patch(throttle);
    expect(sleeps).toEqual([31_000]); // to the reset, plus a second's margin
  });

  it('backs off from 60 s when a secondary limit gives no time, and gives up after 3 retries', async () => {
    const { throttle, sleeps } = fakeThrottle();
    mock.api().patch('/repos/acme/shop/check-runs/1').times(4).reply(403, secondary);
    await expect(patch(throttle)).rejects.toMatchObject({ status: 403 });
    expect(sleeps).toEqual([60_000, 120_000, 240_000]);
  });

  it('does not sit out a wait longer than maxWaitMs: the error goes to the caller', async () => {
    const { throttle, sleeps } = fakeThrottle({ maxWaitMs: 60_000 });
    mock.api().patch('/repos/acme/shop/check-runs/1').reply(403, secondary, { 'retry-after': '3600' });
    await expect(patch(throttle)).rejects.toMatchObject({ status: 403 });
    expect(sleeps).toEqual([]);
  });

  it('does not retry a 403 that is not a rate limit', async () => {
    const { throttle, sleeps } = fakeThrottle();
    mock.api().patch('/repos/acme/shop/check-runs/1').reply(403, { message: 'Resource not accessible by integration' });
    await expect(patch(throttle)).rejects.toMatchObject({ status: 403 });
    expect(sleeps).toEqual([]);
  });

  it('retries a 5xx twice with backoff', async () => {
    const { throttle, sleeps } = fakeThrottle();
    mock
      .api()
      .patch('/repos/acme/shop/check-runs/1')
      .reply(502, 'Bad Gateway')
      .patch('/repos/acme/shop/check-runs/1')
      .reply(503, 'x')
      .patch('/repos/acme/shop/check-runs/1')
      .reply(200, { id: 1 });
    expect((await patch(throttle)).data.id).toBe(1);
    expect(sleeps).toEqual([1000, 2000]);
  });

  it('gives up after two 5xx retries', async () => {
    const { throttle } = fakeThrottle();
    mock.api().patch('/repos/acme/shop/check-runs/1').times(3).reply(500, 'x');
    await expect(patch(throttle)).rejects.toMatchObject({ status: 500 });
  });

  it('does not repeat a non-idempotent write after a 5xx', async () => {
    const { throttle, sleeps } = fakeThrottle();
    mock.api().patch('/repos/acme/shop/check-runs/1').reply(502, 'x');
    await expect(patch(throttle, false)).rejects.toMatchObject({ status: 502 });
    expect(sleeps).toEqual([]);
  });

  it('spaces writes minIntervalMs apart, serialised even when started together', async () => {
    const { throttle, sleeps } = fakeThrottle({ minIntervalMs: 1000 });
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => throttle.write(async () => order.push(n))));
    expect(order).toEqual([1, 2, 3]);
    expect(sleeps).toEqual([1000, 1000]);
    await throttle.read(async () => 0); // reads are not spaced
    expect(sleeps).toEqual([1000, 1000]);
  });

  it('defaults to one write a second', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const throttle = new WriteThrottle({ now: () => now, sleep: async (ms) => void (sleeps.push(ms), (now += ms)) });
    await throttle.write(async () => (now += 200));
    await throttle.write(async () => 0);
    expect(sleeps).toEqual([800]);
  });
});

describe('rateLimitWaitMs', () => {
  const err = (status: number, headers: Record<string, string>, message = 'x') => viewError({ status, message, response: { headers, data: { message } } });
  it.each([
    ['retry-after seconds', err(403, { 'retry-after': '2' }), 2000],
    ['retry-after as an HTTP date', err(429, { 'retry-after': new Date(Date.UTC(2025, 0, 1, 0, 0, 10)).toUTCString() }), 10_000],
    ['reset', err(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Date.UTC(2025, 0, 1) / 1000 + 5) }), 6000],
    ['a 429 with nothing', err(429, {}), 60_000],
    ['a 403 that says secondary rate limit', err(403, {}, 'You have exceeded a secondary rate limit'), 60_000],
    ['a plain 403', err(403, {}), undefined],
    ['a 404', err(404, { 'retry-after': '2' }), undefined],
    ['GraphQL RATE_LIMITED', viewError({ errors: [{ type: 'RATE_LIMITED', message: 'API rate limit exceeded' }], headers: {} }), 60_000],
  ])('%s', (_name, view, expected) => {
    expect(rateLimitWaitMs(view, Date.UTC(2025, 0, 1), 1)).toBe(expected);
  });
});
