import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Probot } from 'probot';
import { BodyTooLarge, readBody } from './readBody.js';

const WEBHOOK_HEADERS = ['x-github-event', 'x-hub-signature-256', 'x-github-delivery'] as const;

/**
 * The app's HTTP front: `GET /ping` and the webhook route. It replaces
 * Probot's server for one reason: Probot's webhook middleware buffers the
 * body without a limit and logs a failed verification with the whole request
 * (issue #12). Here the body is bounded before it is buffered, the signature
 * is checked (`@octokit/webhooks` verify, constant time) before anything is
 * parsed, and no body is ever logged. The handler (\`receive\`) only records
 * and enqueues, so GitHub is answered as soon as the event is recorded.
 */
export function createHttpServer(
  probot: Probot,
  webhookPath: string,
  receive: (event: { id: string; name: string; payload: unknown }) => Promise<void>,
  /** When set (MESH_REVIEW_METRICS=1), `GET /metrics` answers these figures as JSON; `?reset=1` starts a new window. */
  metrics?: (reset: boolean) => object,
  /** Called with how long each webhook took from its request's headers to its answer (ms). */
  observeWebhook?: (ms: number) => void,
): Server {
  const log = probot.log.child({ name: 'http' });
  return createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      log.error({ err: e instanceof Error ? e.message : String(e), url: req.url }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (req.method === 'GET' && path === '/ping') return send(res, 200, 'PONG');
    if (metrics && req.method === 'GET' && path === '/metrics') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(metrics(url.searchParams.get('reset') === '1')));
      return;
    }
    if (path !== webhookPath.replace(/\/+$/, '')) return send(res, 404, 'not found\n');
    if (req.method !== 'POST') return send(res, 405, 'method not allowed\n');
    if (observeWebhook) {
      const started = performance.now();
      res.once('finish', () => observeWebhook(performance.now() - started));
    }
    const missing = WEBHOOK_HEADERS.filter((h) => typeof req.headers[h] !== 'string');
    if (missing.length > 0) return send(res, 400, `missing headers: ${missing.join(', ')}\n`);
    let body: string;
    try {
      body = await readBody(req);
    } catch (e) {
      if (e instanceof BodyTooLarge) {
        log.warn({ delivery: req.headers['x-github-delivery'], limit: e.limit }, 'webhook body too large: refused');
        lingerThenClose(req, res);
        return send(res, 413, 'payload too large\n');
      }
      throw e;
    }
    const id = req.headers['x-github-delivery'] as string;
    const name = req.headers['x-github-event'] as string;
    if (!(await probot.webhooks.verify(body, req.headers['x-hub-signature-256'] as string))) {
      log.warn({ delivery: id, event: name }, 'webhook signature does not match: refused');
      return send(res, 401, 'signature does not match\n');
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return send(res, 400, 'body is not JSON\n');
    }
    try {
      await receive({ id, name, payload });
    } catch (e) {
      log.error({ delivery: id, event: name, err: e instanceof Error ? e.message : String(e) }, 'webhook handler failed');
      return send(res, 500, 'handler failed\n');
    }
    send(res, 200, 'ok\n');
  }
}

/** How long a refused upload may still be read (and dropped) after the 413 is sent; nginx's `lingering_timeout` is 5 s. */
const LINGER_MS = 5_000;

/**
 * A lingering close (as nginx and Apache do it). Closing the socket while the
 * client is still sending makes the kernel answer with RST, and an RST makes
 * the client's kernel drop what it had received but not yet read: the client
 * sees EPIPE or ECONNRESET instead of the 413. So the rest of the body is read
 * and discarded (Node dumps an unconsumed request once the response is
 * finished, nothing is buffered) and the socket is closed after `LINGER_MS`,
 * which bounds what a client can make the server read, by time.
 */
function lingerThenClose(req: IncomingMessage, res: ServerResponse): void {
  res.once('finish', () => {
    const socket = req.socket;
    req.resume();
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
}
