import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Octokit } from '@octokit/rest';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { WriteThrottle } from '../../src/github/publish/writeThrottle.js';
import { listPullFiles, MAX_LISTED_FILES } from '../../src/github/pullFiles.js';
import { diffEntry, type DiffEntryJson } from './fixtures/diffEntries.js';
import { apiHeaders } from './fixtures/tarball.js';

const PR = { owner: 'octo', repo: 'mesh', number: 7 };
const REPO_ID = 1296269;
const silentLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const github = () => new Octokit({ auth: 'ghs_16C7e42F292c6912E7710c838347Ae178B4a', request: { fetch }, log: silentLog });

/** GitHub's `Link` header for page `page` of `last`, which names pages by repository id. */
function link(page: number, last: number): string {
  const url = (p: number) => `<https://api.github.com/repositories/${REPO_ID}/pulls/7/files?per_page=100&page=${p}>`;
  const rels: string[] = [];
  if (page > 1) rels.push(`${url(page - 1)}; rel="prev"`);
  if (page < last) rels.push(`${url(page + 1)}; rel="next"`, `${url(last)}; rel="last"`);
  if (page > 1) rels.push(`${url(1)}; rel="first"`);
  return rels.join(', ');
}

function page(number: number, entries: DiffEntryJson[], linkHeader?: string) {
  return nock('https://api.github.com')
    .get('/repos/octo/mesh/pulls/7/files')
    .query({ per_page: '100', page: String(number) })
    .reply(200, entries, apiHeaders({ 'content-type': 'application/json; charset=utf-8', ...(linkHeader ? { link: linkHeader } : {}) }));
}

const modified = (i: number) => diffEntry(`mesh/file-${String(i).padStart(4, '0')}.yaml`, 'modified', { patch: `@@ -1 +1 @@\n-a: ${i}\n+a: ${i + 1}` });

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => nock.cleanAll());
afterEach(() => expect(nock.pendingMocks()).toEqual([]));

describe('listPullFiles', () => {
  test('follows the pages and maps each entry', async () => {
    const renamed = diffEntry('mesh/new-name.yaml', 'renamed', { previous_filename: 'mesh/old-name.yaml', patch: '@@ -2 +2 @@\n-b: 1\n+b: 2' });
    const large = diffEntry('mesh/huge.yaml', 'modified');
    const first = [renamed, large, ...Array.from({ length: 98 }, (_, i) => modified(i))];
    const second = Array.from({ length: 37 }, (_, i) => modified(100 + i));
    page(1, first, link(1, 2));
    page(2, second, link(2, 2));

    const listing = await listPullFiles(github(), PR, 137);

    expect(listing.complete).toBe(true);
    expect(listing.files).toHaveLength(137);
    expect(listing.files[0]).toEqual({ path: 'mesh/new-name.yaml', previousPath: 'mesh/old-name.yaml', status: 'renamed', patch: '@@ -2 +2 @@\n-b: 1\n+b: 2' });
    expect(listing.files[1]).toEqual({ path: 'mesh/huge.yaml', previousPath: undefined, status: 'modified', patch: undefined });
    expect(listing.files.at(-1)?.path).toBe('mesh/file-0136.yaml');
  });

  test('a full page without a next link is the last: no request for an empty page', async () => {
    page(
      1,
      Array.from({ length: 100 }, (_, i) => modified(i)),
    );

    const listing = await listPullFiles(github(), PR, 100);

    expect(listing).toMatchObject({ complete: true });
    expect(listing.files).toHaveLength(100);
  });

  test("with the review's throttle, a secondary rate limit on a page is waited out (retry-after), then the page is read", async () => {
    const sleeps: number[] = [];
    const throttle = new WriteThrottle({ minIntervalMs: 0, sleep: async (ms) => void sleeps.push(ms) });
    nock('https://api.github.com')
      .get('/repos/octo/mesh/pulls/7/files')
      .query({ per_page: '100', page: '1' })
      .reply(
        403,
        { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
        apiHeaders({ 'retry-after': '20' }),
      );
    page(1, [modified(1)]);

    const listing = await listPullFiles(github(), PR, 1, throttle);

    expect(sleeps).toEqual([20_000]);
    expect(listing).toMatchObject({ complete: true, files: [{ path: 'mesh/file-0001.yaml' }] });
  });

  test('an empty pull request costs one request', async () => {
    page(1, []);

    expect(await listPullFiles(github(), PR, 0)).toEqual({ files: [], complete: true });
  });

  test('stops at the 3,000 files GitHub lists and says the listing is incomplete', async () => {
    const pages = MAX_LISTED_FILES / 100;
    for (let p = 1; p <= pages; p++) {
      // Links past the cap as if GitHub offered more: asking would cost requests and return nothing.
      page(
        p,
        Array.from({ length: 100 }, (_, i) => modified((p - 1) * 100 + i)),
        link(p, pages + 5),
      );
    }

    const listing = await listPullFiles(github(), PR, 3512);

    expect(listing.files).toHaveLength(3000);
    expect(listing.complete).toBe(false);
  });

  test('a pull request that reports more files than listed is incomplete', async () => {
    page(1, [modified(1), modified(2)]);

    expect((await listPullFiles(github(), PR, 3)).complete).toBe(false);
  });

  test('an API error reaches the caller with its status', async () => {
    nock('https://api.github.com')
      .get('/repos/octo/mesh/pulls/7/files')
      .query(true)
      .reply(
        404,
        { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/pulls/pulls#list-pull-requests-files', status: '404' },
        apiHeaders({ 'content-type': 'application/json; charset=utf-8' }),
      );

    await expect(listPullFiles(github(), PR, 1)).rejects.toMatchObject({ status: 404 });
  });
});

describe("the fixtures and the request, against GitHub's published API description", () => {
  const spec = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.deref.json'), 'utf8')) as OpenApi;
  const operation = spec.paths['/repos/{owner}/{repo}/pulls/{pull_number}/files']!.get;

  test('entries have every field, type and status value of diff-entry', () => {
    const schema = operation.responses['200']!.content['application/json'].schema.items;
    const entries = [
      modified(1),
      diffEntry('a.yaml', 'added', { patch: '@@ -0,0 +1 @@\n+a: 1' }),
      diffEntry('b.yaml', 'renamed', { previous_filename: 'c.yaml' }),
    ];
    for (const entry of entries) {
      expect(Object.keys(entry)).toEqual(expect.arrayContaining(schema.required));
      expect(schema.properties.status!.enum).toContain(entry.status);
      for (const [key, value] of Object.entries(entry)) {
        const declared = schema.properties[key];
        expect(declared, key).toBeDefined();
        const types = [declared!.type].flat();
        expect(types, key).toContain(value === null ? 'null' : Number.isInteger(value) ? 'integer' : typeof value);
      }
    }
  });

  test('the endpoint takes per_page and page and lists at most 3,000 files', () => {
    const names = operation.parameters.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['per_page', 'page', 'owner', 'repo', 'pull_number']));
    expect(operation.description).toContain('maximum of 3000 files');
  });
});

type Schema = { type: string | string[]; enum?: string[] };
interface OpenApi {
  paths: Record<
    string,
    {
      get: {
        description: string;
        parameters: { name: string }[];
        responses: Record<string, { content: { 'application/json': { schema: { items: { required: string[]; properties: Record<string, Schema> } } } } }>;
      };
    }
  >;
}
