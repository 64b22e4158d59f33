#!/usr/bin/env node
/**
 * `npm start`: the GitHub App as a server. Reads the same environment as
 * `probot run` (APP_ID, PRIVATE_KEY / PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT,
 * HOST, WEBHOOK_PATH, LOG_LEVEL, GHE_HOST) plus the server's own bounds:
 * REVIEW_THREADS, REVIEW_TIME_LIMIT_MS, REVIEW_MEMORY_MB, REVIEW_CONCURRENCY,
 * REVIEW_TIMEOUT_MS, SHUTDOWN_GRACE_MS, STATE_DIR, RECONCILE_INTERVAL_MS,
 * WRITE_INTERVAL_MS, REDELIVER_WINDOW_MS, MESH_REVIEW_METRICS (1: GET /metrics), REDIS_URL (BullMQ, for more than one replica;
 * Probot's rate-limit throttle is then shared through the same Redis). Without credentials it
 * hands over to `probot run`, whose setup flow registers the app.
 */
import { createHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { getPrivateKey } from '@probot/get-private-key';
import { createProbot, ProbotOctokit, run } from 'probot';
import { createHttpServer } from './server/httpServer.js';
import { InflightStore } from './server/inflightStore.js';
import { poolOptionsFromEnv, ReviewPool } from './server/reviewPool.js';
import { ReviewService } from './server/reviewService.js';

const env = process.env;
const int = (name: string, fallback: number): number => {
  const n = Number(env[name]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

async function main(): Promise<void> {
  let privateKey: string | null;
  try {
    privateKey = getPrivateKey({ env });
  } catch {
    privateKey = null;
  }
  if (!env.APP_ID || !privateKey) {
    // Probot's setup flow (register the app from app.yml, write .env).
    await run(['node', 'probot', 'run', fileURLToPath(new URL('./app.js', import.meta.url))]);
    return;
  }
  // GITHUB_RETRY_BASE_MS: the first backoff of Probot's retry plugin (default 1000, growing quadratically).
  const retryBase = int('GITHUB_RETRY_BASE_MS', 0);
  const Octokit = retryBase
    ? ProbotOctokit.defaults((options: Record<string, unknown>) => ({
        ...options,
        retry: { ...(options.retry as object | undefined), retryAfterBaseValue: retryBase },
      }))
    : undefined;
  const probot = createProbot({ overrides: { logLevel: (env.LOG_LEVEL as 'info' | undefined) ?? 'info', ...(Octokit ? { Octokit } : {}) } });
  const poolOptions = poolOptionsFromEnv(env);
  const pool = new ReviewPool(poolOptions);
  const service = new ReviewService({
    store: new InflightStore(env.STATE_DIR ?? '.mesh-review-state'),
    analyse: (input, signal) => pool.analyse(input, signal),
    concurrency: int('REVIEW_CONCURRENCY', poolOptions.threads * 4),
    timeoutMs: int('REVIEW_TIMEOUT_MS', poolOptions.timeLimitMs + 120_000),
    reconcileMs: int('RECONCILE_INTERVAL_MS', 60_000),
    writeIntervalMs: int('WRITE_INTERVAL_MS', 1000),
    ...(env.REDIS_URL ? { redisUrl: env.REDIS_URL } : {}),
    redeliverWindowMs: env.REDELIVER_WINDOW_MS === '0' ? 0 : int('REDELIVER_WINDOW_MS', 6 * 3600_000),
  });
  // Probot initialises its logger, webhooks and app client lazily.
  await probot.ready();
  service.attach(probot);
  // How responsive the main thread stays (the analyses run in workers): logged at shutdown, and
  // with MESH_REVIEW_METRICS=1 served at GET /metrics (npm run load reads it around a hostile review).
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  const loopFigures = () => ({ p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) });
  // Webhook answer times as the server sees them (headers in to answer out, in µs), apart from
  // whatever delays the sender's own process adds (the load test's sender also plays GitHub).
  const webhooks = createHistogram();
  const webhookFigures = () =>
    webhooks.count === 0
      ? { count: 0 }
      : { count: webhooks.count, p50: webhooks.percentile(50) / 1000, p99: webhooks.percentile(99) / 1000, max: webhooks.max / 1000 };
  const metrics =
    env.MESH_REVIEW_METRICS === '1'
      ? (reset: boolean) => {
          const figures = {
            eventLoopDelayMs: loopFigures(),
            webhookAnswerMs: webhookFigures(),
            rssMb: Math.round(process.memoryUsage.rss() / 2 ** 20),
            maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
            ...service.backlog,
          };
          if (reset) {
            loop.reset();
            webhooks.reset();
          }
          return figures;
        }
      : undefined;
  const server = createHttpServer(
    probot,
    env.WEBHOOK_PATH ?? '/api/github/webhooks',
    (event) => service.receive(event),
    metrics,
    (answeredMs) => webhooks.record(Math.max(1, Math.round(answeredMs * 1000))),
  );
  const port = env.PORT !== undefined && env.PORT !== '' ? Number(env.PORT) : 3000;
  const host = env.HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, ...(host ? { host } : {}) }, resolve);
  });
  const address = server.address();
  probot.log.info({ port: typeof address === 'object' && address ? address.port : port, threads: poolOptions.threads }, 'mesh-review listening');
  service.start();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const graceMs = int('SHUTDOWN_GRACE_MS', 8_000);
    probot.log.info({ signal, graceMs, ...service.backlog }, 'stopping: no new work; running reviews get the grace period');
    server.close();
    server.closeIdleConnections();
    await service.stop(graceMs);
    await pool.close();
    probot.log.info({ eventLoopDelayMs: loopFigures(), maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }, 'stopped with no review in progress');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
