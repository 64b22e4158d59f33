import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { inspect } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Octokit } from '@octokit/rest';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { defaultConfig } from '../../src/config/schema.js';
import { fetchSnapshot, SnapshotFetchError } from '../../src/github/snapshot.js';
import { readGitSnapshot } from '../../src/sources/gitSource.js';
import type { Snapshot } from '../../src/sources/snapshot.js';
import { commitAll, git, initRepo, makeTempDir, manifest, removeDir, writeTree } from '../sources/tempRepo.js';
import { apiHeaders, CODELOAD_HEADERS, tarball, tarballBuffer, tarballWithLargeEntry, type TarEntry } from './fixtures/tarball.js';

const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
const SHA7 = SHA.slice(0, 7);
const REPO = { owner: 'octo', repo: 'mesh' };
const TOKEN = 'ghs_16C7e42F292c6912E7710c838347Ae178B4a';
const CODELOAD_TOKEN = 'AABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const PREFIX = `octo-mesh-${SHA7}`;
const config = { ...defaultConfig(), limits: { ...defaultConfig().limits, maxFileBytes: 1024, maxDocuments: 100 } };

const pa = manifest('PeerAuthentication', 'default', 'spec:\n  mtls:\n    mode: STRICT\n');
const authz = JSON.stringify({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'deny' } });
const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
/** A manifest-named file holding bytes that are not UTF-8: kept as bytes, the parser reports them. */
const binaryYaml = Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]);
const longPath = `deep/${'a'.repeat(60)}/${'b'.repeat(60)}/policy.yaml`;

const ENTRIES: TarEntry[] = [
  { path: '.github/', type: 'directory' },
  { path: '.github/mesh-review.yml', content: 'failOn: high\n' },
  { path: 'README.md', content: '# mesh\n' },
  { path: 'assets/logo.png', content: png },
  { path: 'mesh/', type: 'directory' },
  { path: 'mesh/pa.yaml', content: pa },
  { path: 'mesh/authz.json', content: authz },
  { path: 'mesh/blob.yaml', content: binaryYaml },
  { path: 'mesh/huge.yaml', content: `# ${'x'.repeat(5000)}\n` },
  { path: 'mesh/pipe.yaml', type: 'fifo' },
  { path: 'chart/Chart.yaml', content: 'apiVersion: v2\nname: chart\nversion: 0.1.0\n' },
  { path: 'chart/values.yaml', content: 'replicas: 1\n' },
  { path: 'chart/templates/deployment.yaml', content: 'replicas: {{ .Values.replicas }}\n' },
  { path: 'links/pa.yaml', symlink: '../mesh/pa.yaml' },
  { path: 'links/escape.yaml', symlink: '../../outside.yaml' },
  { path: 'links/huge.yaml', symlink: '../mesh/huge.yaml' },
  { path: 'node_modules/lib/package.json', content: '{"name":"lib"}' },
  { path: longPath, content: manifest('Namespace', 'deep') },
];

const silentLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const github = () => new Octokit({ auth: TOKEN, request: { fetch }, log: silentLog });

/** GitHub's answer to the tarball request: a 302 to codeload, whose URL carries a token for private repositories. */
function redirect(sha = SHA) {
  return nock('https://api.github.com', { reqheaders: { authorization: `token ${TOKEN}` } })
    .get(`/repos/octo/mesh/tarball/${sha}`)
    .reply(302, '', apiHeaders({ location: `https://codeload.github.com/octo/mesh/legacy.tar.gz/${sha}?token=${CODELOAD_TOKEN}`, 'content-length': '0' }));
}

function codeload(sha = SHA) {
  return nock('https://codeload.github.com').get(`/octo/mesh/legacy.tar.gz/${sha}`).query({ token: CODELOAD_TOKEN });
}

const paths = (s: Snapshot) => s.files.map((f) => f.path);
const text = (s: Snapshot, path: string) => s.files.find((f) => f.path === path)?.content.toString('utf8');

function expectNoSecret(error: unknown): void {
  const shown = `${String(error)}\n${inspect(error, { depth: 10 })}\n${JSON.stringify(error)}`;
  expect(shown).not.toContain(TOKEN);
  expect(shown).not.toContain(CODELOAD_TOKEN);
  expect(shown).not.toMatch(/codeload\.github\.com\/[^\s]*\?/);
}

async function fetchError(promise: Promise<unknown>): Promise<SnapshotFetchError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SnapshotFetchError);
  return error as SnapshotFetchError;
}

beforeAll(() => nock.disableNetConnect());
afterAll(() => nock.enableNetConnect());
beforeEach(() => nock.cleanAll());
afterEach(() => {
  // Every interceptor a test set up was used, and nothing else was asked for.
  expect(nock.pendingMocks()).toEqual([]);
});

describe('fetchSnapshot', () => {
  test('keeps the selected files of the archive, from one API request and its redirect', async () => {
    redirect();
    codeload().reply(200, () => tarball(PREFIX, ENTRIES), { ...CODELOAD_HEADERS, 'content-disposition': `attachment; filename=${PREFIX}.tar.gz` });

    const snapshot = await fetchSnapshot(github(), REPO, SHA, config);

    expect(snapshot.label).toBe(`octo/mesh@${SHA7}`);
    expect(paths(snapshot)).toEqual([
      '.github/mesh-review.yml',
      'chart/Chart.yaml',
      'chart/values.yaml',
      longPath,
      'links/pa.yaml',
      'mesh/authz.json',
      'mesh/blob.yaml',
      'mesh/pa.yaml',
    ]);
    expect(text(snapshot, 'mesh/pa.yaml')).toBe(pa);
    expect(text(snapshot, 'links/pa.yaml')).toBe(pa);
    expect(text(snapshot, 'mesh/authz.json')).toBe(authz);
    expect(text(snapshot, longPath)).toBe(manifest('Namespace', 'deep'));
    expect(snapshot.files.find((f) => f.path === 'mesh/blob.yaml')?.content).toEqual(binaryYaml);
    expect(snapshot.skipped).toEqual([
      { path: 'links/escape.yaml', reason: expect.stringMatching(/^symlink points outside the repository/) },
      { path: 'links/huge.yaml', reason: 'file is 5003 bytes, over limits.maxFileBytes (1024); not read' },
      { path: 'mesh/huge.yaml', reason: 'file is 5003 bytes, over limits.maxFileBytes (1024); not read' },
    ]);
  });

  test('readFile answers for kept files only: manifests, and what renders read (chart templates, small non-manifest files)', async () => {
    redirect();
    codeload().reply(200, () => tarball(PREFIX, ENTRIES), CODELOAD_HEADERS);

    const snapshot = await fetchSnapshot(github(), REPO, SHA, config);

    expect((await snapshot.readFile('mesh/pa.yaml'))?.toString()).toBe(pa);
    expect((await snapshot.readFile('./mesh/pa.yaml'))?.toString()).toBe(pa);
    // Kept for renders (a chart's templates and helpers, kustomize generator inputs), never as manifests.
    expect((await snapshot.readFile('README.md'))?.toString()).toBe('# mesh\n');
    expect((await snapshot.readFile('chart/templates/deployment.yaml'))?.toString()).toBe('replicas: {{ .Values.replicas }}\n');
    expect(snapshot.files.map((f) => f.path)).not.toContain('chart/templates/deployment.yaml');
    expect(snapshot.extra?.map((f) => f.path)).toContain('chart/templates/deployment.yaml');
    expect(snapshot.paths).toContain('chart/templates/deployment.yaml');
    // Binary files and node_modules are not kept.
    expect(await snapshot.readFile('assets/logo.png')).toBeUndefined();
    expect(await snapshot.readFile('node_modules/lib/package.json')).toBeUndefined();
    expect(await snapshot.readFile('mesh/huge.yaml')).toBeUndefined();
    await expect(snapshot.readFile('../etc/passwd')).rejects.toThrow(/escapes the repository root/);
  });

  test('applies include and exclude, and still recognises a chart whose Chart.yaml is excluded', async () => {
    redirect();
    codeload().reply(200, () => tarball(PREFIX, ENTRIES), CODELOAD_HEADERS);

    const snapshot = await fetchSnapshot(github(), REPO, SHA, { ...config, include: ['mesh/**', 'chart/**'], exclude: ['**/Chart.yaml', '**/*.json'] });

    expect(paths(snapshot)).toEqual(['chart/values.yaml', 'mesh/blob.yaml', 'mesh/pa.yaml']);
    expect(snapshot.skipped.map((s) => s.path)).toEqual(['mesh/huge.yaml']);
  });

  test('a 404 from the API says the commit could not be fetched', async () => {
    nock('https://api.github.com')
      .get(`/repos/octo/mesh/tarball/${SHA}`)
      .reply(
        404,
        { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/repos/contents#download-a-repository-archive-tar', status: '404' },
        apiHeaders({ 'content-type': 'application/json; charset=utf-8' }),
      );

    const error = await fetchError(fetchSnapshot(github(), REPO, SHA, config));

    expect(error.message).toMatch(new RegExp(`^could not fetch commit ${SHA} of octo/mesh: GitHub answered 404`));
    expect(error.status).toBe(404);
    expect(error.headers['x-ratelimit-remaining']).toBe('4987');
    expectNoSecret(error);
  });

  test('a failure at codeload, after the redirect, never shows the signed URL or the token', async () => {
    redirect();
    codeload().reply(404, `404: Not Found https://codeload.github.com/octo/mesh/legacy.tar.gz/${SHA}?token=${CODELOAD_TOKEN}`, {
      'content-type': 'text/plain; charset=utf-8',
    });

    const error = await fetchError(fetchSnapshot(github(), REPO, SHA, config));

    expect(error.message).toMatch(/^could not fetch commit .* GitHub answered 404/);
    expect(error.status).toBe(404);
    expectNoSecret(error);
  });

  test('a connection failure is reported without the request headers', async () => {
    redirect();
    codeload().replyWithError(`socket hang up while sending authorization: token ${TOKEN}`);

    const error = await fetchError(fetchSnapshot(github(), REPO, SHA, config));

    expect(error.message).toMatch(new RegExp(`^could not fetch commit ${SHA} of octo/mesh: socket hang up`));
    // Octokit calls this a 500, but GitHub never answered.
    expect(error.status).toBeUndefined();
    expectNoSecret(error);
  });

  test('an abort before the request ends it with an error', async () => {
    const error = await fetchError(fetchSnapshot(github(), REPO, SHA, config, { signal: AbortSignal.abort() }));

    expect(error.message).toMatch(/^could not fetch commit .*abort/i);
  });

  test('an abort during the download stops it promptly', async () => {
    const size = 4 * 1024 * 1024 * 1024;
    let archive: Readable | undefined;
    redirect();
    codeload().reply(
      200,
      () => (archive = tarballWithLargeEntry(PREFIX, [], { path: 'big.yaml', size, chunk: randomBytes(1024 * 1024) }, [])),
      CODELOAD_HEADERS,
    );
    const started = performance.now();

    try {
      const error = await fetchError(fetchSnapshot(github(), REPO, SHA, config, { signal: AbortSignal.timeout(300) }));

      expect(error.message).toMatch(/^could not read the archive of commit .*abort/i);
      expect(performance.now() - started).toBeLessThan(10_000);
    } finally {
      // nock keeps reading a reply whose consumer went away; a real socket would be closed.
      archive?.destroy();
    }
  });

  test('a redirect that was not followed is an error, not an empty archive', async () => {
    redirect();
    const manual = new Octokit({ auth: TOKEN, request: { fetch, redirect: 'manual' }, log: silentLog });

    const error = await fetchError(fetchSnapshot(manual, REPO, SHA, config));

    expect(error.message).toBe(`could not fetch commit ${SHA} of octo/mesh: GitHub answered 302 without an archive`);
    expectNoSecret(error);
  });

  test('a rate limit keeps the headers a retry needs', async () => {
    nock('https://api.github.com')
      .get(`/repos/octo/mesh/tarball/${SHA}`)
      .reply(
        403,
        {
          message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          status: '403',
        },
        apiHeaders({ 'content-type': 'application/json; charset=utf-8', 'retry-after': '60', location: 'https://example.com/?token=x' }),
      );

    const error = await fetchError(fetchSnapshot(github(), REPO, SHA, config));

    expect(error.status).toBe(403);
    expect(error.message).toContain('secondary rate limit');
    expect(error.headers).toMatchObject({ 'retry-after': '60', 'x-ratelimit-reset': '1767225600' });
    expect(error.headers).not.toHaveProperty('location');
  });

  test('a corrupt archive is an error, not an empty snapshot', async () => {
    redirect();
    codeload().reply(200, Buffer.from('<html>not a tarball</html>'), CODELOAD_HEADERS);

    const error = await fetchError(fetchSnapshot(github(), REPO, SHA, config));

    expect(error.message).toMatch(new RegExp(`^could not read the archive of commit ${SHA} of octo/mesh: `));
  });

  test('a truncated archive is an error, not a partial snapshot', async () => {
    const whole = await tarballBuffer(PREFIX, ENTRIES);
    redirect();
    codeload().reply(200, whole.subarray(0, Math.floor(whole.length / 2)), CODELOAD_HEADERS);

    await fetchError(fetchSnapshot(github(), REPO, SHA, config));
  });

  test('caps the bytes held and the number of manifest-like files', async () => {
    const many: TarEntry[] = Array.from({ length: 20 }, (_, i) => ({ path: `m/${i}.yaml`, content: 'x'.repeat(900) }));
    redirect();
    codeload().reply(200, () => tarball(PREFIX, many), CODELOAD_HEADERS);
    const bytes = await fetchError(fetchSnapshot(github(), REPO, SHA, config, { maxTotalBytes: 10_000 }));
    expect(bytes.message).toBe(
      `commit ${SHA} of octo/mesh: the archive's manifest-like files exceed 10000 bytes in total; narrow \`include\` in the configuration`,
    );

    redirect();
    codeload().reply(200, () => tarball(PREFIX, many), CODELOAD_HEADERS);
    const count = await fetchError(fetchSnapshot(github(), REPO, SHA, config, { maxFiles: 5 }));
    expect(count.message).toMatch(/more than 5 manifest-like files/);
  });

  test('streams the archive: a skipped entry far larger than memory allows is drained, not held', async () => {
    // Incompressible, so that the compressed archive is as large as the file: holding
    // either the response or the entry would show in the peak below.
    const size = 96 * 1024 * 1024;
    const chunk = randomBytes(1024 * 1024);
    redirect();
    codeload().reply(
      200,
      () => tarballWithLargeEntry(PREFIX, [{ path: 'a.yaml', content: pa }], { path: 'big/data.yaml', size, chunk }, [{ path: 'z.yaml', content: pa }]),
      CODELOAD_HEADERS,
    );

    // Collected before each sample: dropped chunks awaiting GC are not held.
    const gc = exposeGc();
    gc();
    const base = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const sampler = setInterval(() => {
      gc();
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
    }, 250);
    try {
      const snapshot = await fetchSnapshot(github(), REPO, SHA, config);
      expect(paths(snapshot)).toEqual(['a.yaml', 'z.yaml']);
      expect(snapshot.skipped).toEqual([{ path: 'big/data.yaml', reason: `file is ${size} bytes, over limits.maxFileBytes (1024); not read` }]);
    } finally {
      clearInterval(sampler);
    }
    // About 20 MiB in practice (nock streams with ~10 MiB of slack); holding the entry shows as ~100 MiB.
    expect(peak).toBeLessThan(size / 2);
  });
});

describe('fetchSnapshot on an archive made by git archive, as GitHub makes them', () => {
  let repo: string;
  let sha: string;
  let archive: Buffer;

  beforeAll(() => {
    repo = makeTempDir('tarball');
    initRepo(repo);
    writeTree(repo, {
      'mesh/pa.yaml': pa,
      'mesh/authz.json': authz,
      'mesh/blob.yaml': binaryYaml,
      'mesh/huge.yaml': `# ${'x'.repeat(5000)}\n`,
      [longPath]: manifest('Namespace', 'deep'),
      'chart/Chart.yaml': 'apiVersion: v2\nname: chart\n',
      'chart/templates/d.yaml': 'name: {{ .Values.name }}\n',
      'links/inside.yaml': { symlink: '../mesh/pa.yaml' },
      'links/outside.yaml': { symlink: '../../elsewhere.yaml' },
      'links/chain.yaml': { symlink: 'inside.yaml' },
      'README.md': 'hello\n',
    });
    sha = commitAll(repo, 'v1');
    // GitHub's archives are git's: a pax global header holding the commit id, then everything under one folder.
    archive = execFileSync('git', ['-C', repo, 'archive', '--format=tar.gz', `--prefix=octo-mesh-${sha.slice(0, 7)}/`, sha], { maxBuffer: 64 * 1024 * 1024 });
    expect(git(repo, 'cat-file', '-t', sha)).toBe('commit');
  });

  afterAll(() => removeDir(repo));

  test('gives the same snapshot as reading the commit from git', async () => {
    redirect(sha);
    codeload(sha).reply(200, archive, CODELOAD_HEADERS);

    const fromGitHub = await fetchSnapshot(github(), REPO, sha, config);
    const fromGit = await readGitSnapshot(repo, sha, config);

    const files = (s: Snapshot) => s.files.map((f) => [f.path, f.content.toString('base64')]).sort();
    const skipped = (s: Snapshot) => [...s.skipped].sort((a, b) => a.path.localeCompare(b.path));
    expect(files(fromGitHub)).toEqual(files(fromGit));
    expect(skipped(fromGitHub).map((e) => e.path)).toEqual(skipped(fromGit).map((e) => e.path));
    expect(skipped(fromGitHub).find((e) => e.path === 'mesh/huge.yaml')?.reason).toBe(skipped(fromGit).find((e) => e.path === 'mesh/huge.yaml')?.reason);
    expect(files(fromGitHub).map(([path]) => path)).toContain('links/chain.yaml');
  });
});

function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
