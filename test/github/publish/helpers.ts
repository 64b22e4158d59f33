import { Octokit } from '@octokit/rest';
import nock from 'nock';
import { afterEach, beforeEach, expect } from 'vitest';
import type { CommentableLines, PullRequestRef } from '../../../src/github/types.js';
import { WriteThrottle, type WriteThrottleOptions } from '../../../src/github/publish/writeThrottle.js';
import { githubApi, type RecordedRequest } from './openapi.js';

export const HEAD = 'a'.repeat(40);
export const BASE = 'b'.repeat(40);
export const NEWER = 'c'.repeat(40);

export const pr: PullRequestRef = { owner: 'acme', repo: 'shop', number: 7, baseSha: BASE, headSha: HEAD, baseRef: 'main', draft: false };

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
export const octokit = (): Octokit => new Octokit({ auth: 'ghs_test', request: { retries: 0 }, log: quiet });

/** A throttle with no spacing and a fake clock: `sleeps` records every wait. */
export function fakeThrottle(options: WriteThrottleOptions = {}): { throttle: WriteThrottle; sleeps: number[]; clock: { now: number } } {
  const clock = { now: Date.UTC(2025, 0, 1) };
  const sleeps: number[] = [];
  const throttle = new WriteThrottle({
    minIntervalMs: 0,
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
    ...options,
  });
  return { throttle, sleeps, clock };
}

/**
 * Per-test nock wiring: no network, every request validated against GitHub's
 * OpenAPI description and recorded, every interceptor used.
 */
export function useGitHubMock(): { api: () => nock.Scope; requests: RecordedRequest[]; writes: () => RecordedRequest[] } {
  const recorder = { requests: [] as RecordedRequest[], violations: [] as string[] };
  beforeEach(() => {
    recorder.requests.length = 0;
    recorder.violations.length = 0;
    nock.disableNetConnect();
  });
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    nock.enableNetConnect();
    expect(recorder.violations).toEqual([]);
    expect(pending).toEqual([]);
  });
  return {
    api: () => githubApi(recorder),
    requests: recorder.requests,
    writes: () =>
      recorder.requests.filter((r) => r.method !== 'GET' && !(r.path === '/graphql' && /^\s*query/.test(String((r.body as { query?: string })?.query)))),
  };
}

export function lines(map: Record<string, { right?: number[]; left?: number[] }>): CommentableLines {
  return {
    get(path) {
      const e = map[path];
      return e ? { right: new Set(e.right ?? []), left: new Set(e.left ?? []) } : undefined;
    },
  };
}
