import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

export const WEBHOOK_SECRET = 'server-test-secret';
export const PRIVATE_KEY = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
}).privateKey;

/** `npm start`'s command, run directly (not through npm) so that signals reach the app itself. */
const START = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ');

/** The app as `npm start` runs it, in a child process, talking to the stand-in on `githubPort`. */
export class AppProcess {
  readonly lines: string[] = [];
  port = 0;
  private child: ChildProcess | undefined;
  exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    private readonly githubPort: number,
    private readonly env: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    const child = spawn(START[0]!, START.slice(1), {
      env: {
        PATH: process.env.PATH ?? '',
        APP_ID: '123',
        PRIVATE_KEY,
        WEBHOOK_SECRET,
        GHE_HOST: `127.0.0.1:${this.githubPort}`,
        GHE_PROTOCOL: 'http',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'info',
        NODE_ENV: 'production',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const collect = (chunk: Buffer) => this.lines.push(...String(chunk).split('\n').filter(Boolean));
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    await waitFor(
      () => {
        const line = this.lines.find((l) => l.includes('mesh-review listening'));
        if (line) this.port = (JSON.parse(line) as { port: number }).port;
        return line !== undefined;
      },
      20_000,
      () => this.lines.join('\n'),
    );
  }

  signal(sig: NodeJS.Signals): void {
    this.child?.kill(sig);
  }

  async stop(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** A signed delivery over loopback HTTP; resolves with the status and how long the answer took. */
  deliver(name: string, payload: unknown, id: string = randomUUID()): Promise<{ status: number; ms: number }> {
    const body = JSON.stringify(payload);
    const signature = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`;
    return post(this.port, '/api/github/webhooks', body, {
      'x-github-event': name,
      'x-github-delivery': id,
      'x-hub-signature-256': signature,
      'content-type': 'application/json',
    });
  }

  ping(): Promise<{ status: number; ms: number }> {
    return send(this.port, 'GET', '/ping', undefined, {});
  }
}

/**
 * How long a write error (EPIPE: the server answered and closed while the body was still being
 * sent) waits for that answer to be read: generous, since a loaded machine reads it late.
 */
const ANSWER_AFTER_ERROR_MS = 15_000;

export function post(port: number, path: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; ms: number }> {
  return send(port, 'POST', path, body, { 'content-length': String(Buffer.byteLength(body)), ...headers });
}

function send(
  port: number,
  method: string,
  path: string,
  body: string | Buffer | undefined,
  headers: Record<string, string>,
): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      answered = true;
      resolve({ status: res.statusCode ?? 0, ms: performance.now() - started });
      res.resume();
    });
    // A server that refuses a body answers and closes while the body is still being sent:
    // the write fails (EPIPE), the answer stands.
    req.on('error', (e) => setTimeout(() => (answered ? undefined : reject(e)), ANSWER_AFTER_ERROR_MS));
    req.end(body);
  });
}

export async function waitFor(condition: () => boolean, timeoutMs: number, describe: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms\n${describe().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface PullEventSpec {
  owner: string;
  repo: string;
  number: number;
  installationId: number;
  headSha: string;
  baseSha: string;
}

export const pullRequestEvent = (action: string, p: PullEventSpec) => ({
  action,
  number: p.number,
  pull_request: {
    number: p.number,
    draft: false,
    head: { sha: p.headSha, ref: 'feature' },
    base: { sha: p.baseSha, ref: 'main', repo: { name: p.repo, owner: { login: p.owner } } },
  },
  repository: { name: p.repo, full_name: `${p.owner}/${p.repo}`, owner: { login: p.owner } },
  installation: { id: p.installationId },
});

export const checkSuiteRequested = (p: PullEventSpec) => ({
  action: 'requested',
  check_suite: { id: 77, head_sha: p.headSha, pull_requests: [{ number: p.number }] },
  repository: { name: p.repo, full_name: `${p.owner}/${p.repo}`, owner: { login: p.owner } },
  installation: { id: p.installationId },
});

export const requestedAction = (p: PullEventSpec, run: { id: number; external_id: string | null }) => ({
  action: 'requested_action',
  requested_action: { identifier: 'rerun' },
  check_run: { id: run.id, name: 'mesh-review', head_sha: p.headSha, external_id: run.external_id, status: 'completed', pull_requests: [{ number: p.number }] },
  repository: { name: p.repo, full_name: `${p.owner}/${p.repo}`, owner: { login: p.owner } },
  installation: { id: p.installationId },
});

/**
 * A POST whose body is sent 1 MiB at a time until the server answers: shows
 * that the answer comes before the body is through. `declared`: send a
 * Content-Length of that many bytes; otherwise the body is chunked.
 */
export function postStreaming(
  port: number,
  headers: Record<string, string>,
  options: { declared?: number; maxBytes: number },
): Promise<{ status: number; sentBytes: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let done = false;
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/github/webhooks',
        headers: { ...headers, ...(options.declared ? { 'content-length': String(options.declared) } : {}) },
      },
      (res) => {
        done = true;
        res.resume();
        resolve({ status: res.statusCode ?? 0, sentBytes: sent });
        req.destroy();
      },
    );
    req.on('error', (e) => setTimeout(() => (done ? undefined : reject(e)), ANSWER_AFTER_ERROR_MS));
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    const next = () => {
      if (done || req.destroyed) return;
      if (sent >= options.maxBytes) return void req.end();
      sent += chunk.length;
      req.write(chunk, () => setImmediate(next));
    };
    next();
  });
}
