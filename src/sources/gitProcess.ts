import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * Reading must not take locks (another git may be running in the clone) and
 * stderr must be in English, since some messages are recognised below.
 */
const GIT_ENV = { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' };

function spawnGit(repoDir: string, args: readonly string[]): ChildProcessWithoutNullStreams {
  return spawn('git', ['-C', repoDir, ...args], { env: GIT_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
}

function gitSpawnError(error: NodeJS.ErrnoException): Error {
  if (error.code === 'ENOENT') return new Error('git is not installed or not on PATH');
  return new Error(`could not run git: ${error.message}`);
}

/** Runs git to completion (no shell: refs and paths are passed as plain arguments). */
export function runGit(repoDir: string, args: readonly string[]): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawnGit(repoDir, args);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => reject(gitSpawnError(e)));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8').trim() }));
    child.stdin.end();
  });
}

export interface GitObject {
  type: string;
  content: Buffer;
}

interface PendingRead {
  resolve(value: GitObject | undefined): void;
  reject(error: Error): void;
}

interface BodyInProgress {
  type: string;
  content: Buffer;
  filled: number;
}

/**
 * One `git cat-file --batch` process serving many reads: spawning a git per
 * blob costs more than parsing the files. Requests are answered in the order
 * they were written, so each read is a promise queued in that order, and the
 * output is parsed as it streams (a body is copied once into its own buffer).
 */
export class GitCatFile {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly queue: PendingRead[] = [];
  private header: Buffer = Buffer.alloc(0);
  private body: BodyInProgress | undefined;
  private failure: Error | undefined;
  private stderr = '';
  private readonly exited: Promise<void>;

  constructor(repoDir: string) {
    this.child = spawnGit(repoDir, ['cat-file', '--batch']);
    this.child.stdout.on('data', (chunk: Buffer) => this.consume(chunk));
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    // A dead git closes stdin under us; the 'close' handler reports why.
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => {
        this.fail(gitSpawnError(e));
        resolve();
      });
      this.child.on('close', (code) => {
        if (this.queue.length > 0 || code !== 0) {
          this.fail(new Error(`git cat-file exited with ${code}: ${this.stderr.trim() || 'no message'}`));
        }
        resolve();
      });
    });
  }

  /** Object by name (`<sha>` or `<sha>:<path>`); undefined when git has none. */
  read(name: string): Promise<GitObject | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    // The batch protocol is line based: a name with a newline would desync every later answer.
    if (/[\n\r]/.test(name)) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      this.child.stdin.write(`${name}\n`);
    });
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    await this.exited;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.queue.splice(0)) pending.reject(this.failure);
  }

  private consume(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      offset = this.body ? this.consumeBody(chunk, offset) : this.consumeHeader(chunk, offset);
    }
  }

  private consumeHeader(chunk: Buffer, offset: number): number {
    const newline = chunk.indexOf(0x0a, offset);
    if (newline < 0) {
      this.header = Buffer.concat([this.header, chunk.subarray(offset)]);
      return chunk.length;
    }
    const line = Buffer.concat([this.header, chunk.subarray(offset, newline)]).toString('utf8');
    this.header = Buffer.alloc(0);
    this.startObject(line);
    return newline + 1;
  }

  /** `<oid> <type> <size>` starts a body; `<name> missing` (or ambiguous) answers at once. */
  private startObject(line: string): void {
    const match = /^[0-9a-f]+ (\S+) (\d+)$/.exec(line);
    if (!match) {
      this.queue.shift()?.resolve(undefined);
      return;
    }
    const size = Number(match[2]);
    // size + 1: the body is followed by a newline, consumed with it.
    this.body = { type: match[1]!, content: Buffer.allocUnsafe(size + 1), filled: 0 };
  }

  private consumeBody(chunk: Buffer, offset: number): number {
    const body = this.body!;
    const take = Math.min(body.content.length - body.filled, chunk.length - offset);
    chunk.copy(body.content, body.filled, offset, offset + take);
    body.filled += take;
    if (body.filled === body.content.length) this.finishBody();
    return offset + take;
  }

  private finishBody(): void {
    const body = this.body!;
    this.body = undefined;
    this.queue.shift()?.resolve({ type: body.type, content: body.content.subarray(0, body.content.length - 1) });
  }
}
