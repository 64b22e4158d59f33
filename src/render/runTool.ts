import { spawn } from 'node:child_process';

export interface RunLimits {
  timeoutMs: number;
  maxOutputBytes: number;
}

export type RunResult = { ok: true; stdout: string } | { ok: false; message: string };

/**
 * Runs a render tool on untrusted input: no shell, a clean environment built by the caller
 * (no inherited HELM_* / KUSTOMIZE_* / KUBECONFIG), a time limit and an output-size limit.
 * The process is killed when either is exceeded; that is a failure, never a partial output.
 */
export function runTool(bin: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; limits: RunLimits }): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(bin, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let failure: string | undefined;
    const stop = (why: string): void => {
      failure ??= why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(`render timed out after ${opts.limits.timeoutMs} ms`), opts.limits.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > opts.limits.maxOutputBytes) stop(`render output exceeds ${opts.limits.maxOutputBytes} bytes`);
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.reduce((n, b) => n + b.length, 0) < 64 * 1024) err.push(chunk);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolvePromise({ ok: false, message: `cannot run ${bin}: ${e.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure) return resolvePromise({ ok: false, message: failure });
      if (code !== 0) return resolvePromise({ ok: false, message: Buffer.concat(err).toString('utf8').trim() || `exit ${code}` });
      resolvePromise({ ok: true, stdout: Buffer.concat(out).toString('utf8') });
    });
  });
}

/**
 * The only environment a render sees: PATH (helm/kubectl are static binaries), and every
 * cache/config/data home inside the private temp folder, so no plugin, repository list,
 * credential or kubeconfig of the host is read. HELM_PLUGINS points at an empty folder:
 * no post-renderer or downloader plugin can run.
 */
export function cleanEnv(tmp: string): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/bin:/bin',
    HOME: tmp,
    HELM_CACHE_HOME: `${tmp}/.helm/cache`,
    HELM_CONFIG_HOME: `${tmp}/.helm/config`,
    HELM_DATA_HOME: `${tmp}/.helm/data`,
    HELM_PLUGINS: `${tmp}/.helm/plugins`,
    HELM_REGISTRY_CONFIG: `${tmp}/.helm/registry.json`,
    HELM_REPOSITORY_CONFIG: `${tmp}/.helm/repositories.yaml`,
    HELM_REPOSITORY_CACHE: `${tmp}/.helm/repository`,
    KUBECONFIG: `${tmp}/.kube/none`,
    XDG_CONFIG_HOME: `${tmp}/.config`,
    XDG_CACHE_HOME: `${tmp}/.cache`,
    // Remote bases are fetched with git; make any such attempt fail instead of reaching out.
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_NOSYSTEM: '1',
    http_proxy: 'http://127.0.0.1:9',
    https_proxy: 'http://127.0.0.1:9',
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    NO_PROXY: '',
  };
}
