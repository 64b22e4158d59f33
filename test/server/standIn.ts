import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tarballBuffer } from '../github/fixtures/tarball.js';
import { diffEntries, type Tree } from '../app/fixtures/repo.js';

/**
 * A GitHub stand-in on 127.0.0.1: enough of the REST API (GHE layout,
 * `/api/v3`), GraphQL and codeload for the app to review pull requests, with
 * check runs held as GitHub holds them. nock cannot reach into a child
 * process; this is a real HTTP server the app under test talks to.
 */
export interface StandInPull {
  owner: string;
  repo: string;
  number: number;
  installationId: number;
  baseSha: string;
  headSha: string;
  base: Tree;
  head: Tree;
}

export interface StandInRun {
  id: number;
  owner: string;
  repo: string;
  head_sha: string;
  name: string;
  external_id: string | null;
  status: string;
  conclusion: string | null;
  output: { title?: string; summary?: string } | undefined;
  actions: unknown[] | undefined;
  createdAt: number;
  /** When it went in progress (a test may set it in the past). */
  startedAt?: number;
  completedAt: number | undefined;
}

export class GitHubStandIn {
  readonly pulls = new Map<string, StandInPull>();
  readonly runs = new Map<number, StandInRun>();
  readonly requests: string[] = [];
  readonly reviews: Array<{ pull: string; body: string }> = [];
  /** Tarball downloads of these head shas wait until `release()`. */
  readonly stalled = new Set<string>();
  private waiting: Array<() => void> = [];
  /** PATCHes of these run ids answer 500 while the count lasts. */
  readonly failingPatches = new Map<number, number>();
  /** `GET /app/hook/deliveries` answers these; a redelivery request calls `onRedeliver`. */
  readonly deliveries: Array<{ id: number; guid: string; delivered_at: string; redelivery: boolean; status_code: number; event: string }> = [];
  onRedeliver: ((id: number) => void) | undefined;
  private nextRunId = 1000;
  private server: Server | undefined;
  port = 0;

  addPull(p: StandInPull): void {
    this.pulls.set(`${p.owner}/${p.repo}#${p.number}`, p);
  }

  runsOf(owner: string, repo: string, headSha: string): StandInRun[] {
    return [...this.runs.values()].filter((r) => r.owner === owner && r.repo === repo && r.head_sha === headSha);
  }

  release(): void {
    this.stalled.clear();
    for (const go of this.waiting.splice(0)) go();
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req, res).catch((e: unknown) => {
        res.writeHead(500).end(JSON.stringify({ message: String(e) }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.release();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = decodeURIComponent(url.pathname);
    const body = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    const json = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    this.requests.push(`${req.method} ${path}`);
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
        ...headers,
      });
      res.end(typeof data === 'string' ? data : JSON.stringify(data));
    };
    let m: RegExpExecArray | null;
    if (req.method === 'POST' && (m = /^\/api\/v3\/app\/installations\/(\d+)\/access_tokens$/.exec(path))) {
      return send(201, {
        token: `ghs_standin${m[1]}`,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        permissions: { checks: 'write', contents: 'read', metadata: 'read', pull_requests: 'write' },
        repository_selection: 'all',
      });
    }
    if (req.method === 'GET' && path === '/api/v3/app/hook/deliveries') return send(200, this.deliveries);
    if (req.method === 'POST' && (m = /^\/api\/v3\/app\/hook\/deliveries\/(\d+)\/attempts$/.exec(path))) {
      this.onRedeliver?.(Number(m[1]));
      return send(202, {});
    }
    if (req.method === 'GET' && path === '/api/v3/app') return send(200, { id: 123, slug: 'mesh-review', name: 'mesh-review' });
    if (req.method === 'POST' && path === '/api/graphql') {
      return send(200, {
        data: {
          repository: {
            pullRequest: {
              reviewThreads: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] },
              reviews: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [] },
            },
          },
        },
      });
    }
    if ((m = /^\/codeload\/([^/]+)\/([^/]+)\/(\w+)$/.exec(path))) {
      const [, owner, repo, sha] = m as unknown as [string, string, string, string];
      const pull = [...this.pulls.values()].find((p) => p.owner === owner && p.repo === repo && (p.baseSha === sha || p.headSha === sha));
      if (!pull) return send(404, { message: 'Not Found' });
      if (this.stalled.has(sha)) await new Promise<void>((resolve) => this.waiting.push(resolve));
      const tree = sha === pull.headSha ? pull.head : pull.base;
      const buffer = await tarballBuffer(
        `${owner}-${repo}-${sha.slice(0, 7)}`,
        [...tree].map(([p, content]) => ({ path: p, content })),
      );
      res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': String(buffer.length) });
      return void res.end(buffer);
    }
    if (!(m = /^\/api\/v3\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(path))) return send(404, { message: 'Not Found' });
    const [, owner, repo, rest] = m as unknown as [string, string, string, string];
    const pullOf = (n: string) => this.pulls.get(`${owner}/${repo}#${n}`);
    if (req.method === 'GET' && (m = /^\/pulls\/(\d+)$/.exec(rest))) {
      const p = pullOf(m[1]!);
      if (!p) return send(404, { message: 'Not Found' });
      const files = diffEntries(p.base, p.head, p, p.headSha);
      return send(200, {
        number: p.number,
        draft: false,
        state: 'open',
        changed_files: files.length,
        base: { sha: p.baseSha, ref: 'main', repo: { name: repo, owner: { login: owner } } },
        head: { sha: p.headSha, ref: 'feature', repo: { name: repo, owner: { login: owner } } },
      });
    }
    if (req.method === 'GET' && (m = /^\/pulls\/(\d+)\/files$/.exec(rest))) {
      const p = pullOf(m[1]!);
      if (!p) return send(404, { message: 'Not Found' });
      return send(200, url.searchParams.get('page') === '1' || !url.searchParams.get('page') ? diffEntries(p.base, p.head, p, p.headSha) : []);
    }
    if (req.method === 'POST' && (m = /^\/pulls\/(\d+)\/reviews$/.exec(rest))) {
      this.reviews.push({ pull: `${owner}/${repo}#${m[1]}`, body: String(json.body) });
      return send(200, { id: this.reviews.length, body: json.body, state: 'COMMENTED', user: { login: 'mesh-review[bot]', type: 'Bot' } });
    }
    if (req.method === 'GET' && /^\/contents\//.test(rest)) return send(404, { message: 'Not Found' });
    if (req.method === 'GET' && (m = /^\/compare\/(\w+)\.\.\.(\w+)$/.exec(rest)))
      return send(200, { merge_base_commit: { sha: m[1] }, commits: [], files: [] });
    if (req.method === 'GET' && (m = /^\/tarball\/(\w+)$/.exec(rest))) {
      return send(302, '', { location: `http://127.0.0.1:${this.port}/codeload/${owner}/${repo}/${m[1]}`, 'content-length': '0' });
    }
    if (req.method === 'POST' && rest === '/check-runs') {
      const id = this.nextRunId++;
      const run: StandInRun = {
        id,
        owner,
        repo,
        head_sha: String(json.head_sha),
        name: String(json.name),
        external_id: (json.external_id as string | undefined) ?? null,
        status: (json.status as string | undefined) ?? 'queued',
        conclusion: (json.conclusion as string | undefined) ?? null,
        output: json.output as StandInRun['output'],
        actions: json.actions as unknown[] | undefined,
        createdAt: Date.now(),
        completedAt: json.status === 'completed' ? Date.now() : undefined,
      };
      this.runs.set(id, run);
      return send(201, this.view(run));
    }
    if (req.method === 'PATCH' && (m = /^\/check-runs\/(\d+)$/.exec(rest))) {
      const run = this.runs.get(Number(m[1]));
      if (!run) return send(404, { message: 'Not Found' });
      const failing = this.failingPatches.get(run.id) ?? 0;
      if (failing > 0) {
        this.failingPatches.set(run.id, failing - 1);
        return send(502, { message: 'Server Error' });
      }
      if (json.status) run.status = json.status as string;
      if (typeof json.started_at === 'string') run.startedAt = Date.parse(json.started_at);
      if (json.conclusion) run.conclusion = json.conclusion as string;
      if (json.output) run.output = json.output;
      if (json.actions) run.actions = json.actions as unknown[];
      if (run.status === 'completed') run.completedAt ??= Date.now();
      return send(200, this.view(run));
    }
    if (req.method === 'GET' && (m = /^\/commits\/(\w+)\/check-runs$/.exec(rest))) {
      const name = url.searchParams.get('check_name');
      const runs = this.runsOf(owner, repo, m[1]!).filter((r) => !name || r.name === name);
      return send(200, { total_count: runs.length, check_runs: runs.map((r) => this.view(r)) });
    }
    return send(404, { message: 'Not Found' });
  }

  private view(run: StandInRun): Record<string, unknown> {
    return {
      id: run.id,
      name: run.name,
      head_sha: run.head_sha,
      external_id: run.external_id,
      status: run.status,
      conclusion: run.conclusion,
      started_at: new Date(run.startedAt ?? run.createdAt).toISOString(),
      output: run.output ?? {},
      pull_requests: [],
    };
  }
}
