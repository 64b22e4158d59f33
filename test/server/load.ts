/**
 * `npm run load`: the server under the load of issue #12, on loopback only.
 * Two runs of `npm start` against the GitHub stand-in, production settings
 * (writes one second apart per installation) except a 10 s analysis bound:
 *   1. a hostile pull request (four policies of 20,000 mixed principals each) while another
 *      installation's webhooks arrive every 200 ms;
 *   2. 50 pull requests over 10 installations, delivered at once.
 * Prints webhook answer times, time to the last check run created and
 * completed, the event-loop delay during the hostile review (the app's GET
 * /metrics) and the delay the hostile review adds to the other installation's
 * webhook answers (against the same stream before it), and peak RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, pullRequestEvent, waitFor } from './appProcess.js';
import { makePull } from './pulls.js';
import { GitHubStandIn } from './standIn.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

async function withApp<T>(
  env: Record<string, string>,
  body: (gh: GitHubStandIn, app: AppProcess) => Promise<T>,
): Promise<{ result: T; stats: { eventLoopDelayMs: { p50: number; p99: number; max: number }; maxRssMb: number } }> {
  const gh = new GitHubStandIn();
  await gh.start();
  const stateDir = mkdtempSync(join(tmpdir(), 'mesh-review-load-'));
  const app = new AppProcess(gh.port, { STATE_DIR: stateDir, REVIEW_TIME_LIMIT_MS: '10000', ...env });
  try {
    await app.start();
    const result = await body(gh, app);
    app.signal('SIGTERM');
    await app.exited;
    const line = app.lines.find((l) => l.includes('stopped with no review in progress'));
    if (!line) throw new Error(`no shutdown statistics:\n${app.lines.slice(-20).join('\n')}`);
    return { result, stats: JSON.parse(line) };
  } finally {
    await app.stop();
    await gh.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

interface LoopFigures {
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  webhookAnswerMs: { count: number; p50?: number; p99?: number; max?: number };
  maxRssMb: number;
}

/** The app's own figures (GET /metrics, MESH_REVIEW_METRICS=1); `reset` starts a new window. */
async function metrics(app: AppProcess, reset: boolean): Promise<LoopFigures> {
  const res = await fetch(`http://127.0.0.1:${app.port}/metrics${reset ? '?reset=1' : ''}`);
  return (await res.json()) as LoopFigures;
}

/** Another installation's webhooks and /ping, one every 200 ms, until `until` holds or `pulls` run out. */
async function otherInstallation(app: AppProcess, pulls: ReturnType<typeof makePull>[], until: () => boolean) {
  const answers: number[] = [];
  const pings: number[] = [];
  for (const p of pulls) {
    if (until()) break;
    answers.push((await app.deliver('pull_request', pullRequestEvent('opened', p))).ms);
    pings.push((await app.ping()).ms);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { answers, pings };
}

async function hostile() {
  return withApp({ MESH_REVIEW_METRICS: '1' }, async (gh, app) => {
    const evil = makePull({ number: 1, installationId: 900, kind: 'hostile', principals: 20_000 });
    gh.addPull(evil);
    const others = Array.from({ length: 150 }, (_, i) => makePull({ number: 100 + i, installationId: 901, kind: 'harmless' }));
    for (const p of others) gh.addPull(p);
    const evilDone = () => gh.runsOf(evil.owner, evil.repo, evil.headSha)[0]?.status === 'completed';
    // Baseline: the same stream of webhooks with no hostile review, in the same process.
    await metrics(app, true);
    const baseline = await otherInstallation(app, others.slice(0, 30), () => false);
    const baselineLoop = await metrics(app, true);
    const t0 = performance.now();
    await app.deliver('pull_request', pullRequestEvent('opened', evil));
    const during = await otherInstallation(app, others.slice(30), evilDone);
    const duringLoop = await metrics(app, false);
    await waitFor(evilDone, 120_000);
    const run = gh.runsOf(evil.owner, evil.repo, evil.headSha)[0]!;
    return { baseline, during, baselineLoop, duringLoop, run, t0Wall: Date.now() - (performance.now() - t0) };
  });
}

async function fifty() {
  return withApp({ MESH_REVIEW_METRICS: '1' }, async (gh, app) => {
    const pulls = Array.from({ length: 50 }, (_, i) => makePull({ number: i + 1, installationId: 1000 + (i % 10), kind: 'demo' }));
    for (const p of pulls) gh.addPull(p);
    const t0 = Date.now();
    const answers = await Promise.all(pulls.map((p) => app.deliver('pull_request', pullRequestEvent('opened', p))));
    const server = await metrics(app, false);
    const runs = () => pulls.map((p) => gh.runsOf(p.owner, p.repo, p.headSha)[0]);
    await waitFor(() => runs().every((r) => r !== undefined), 120_000);
    const lastCreated = Math.max(...runs().map((r) => r!.createdAt)) - t0;
    await waitFor(() => runs().every((r) => r?.status === 'completed'), 600_000);
    const lastCompleted = Math.max(...runs().map((r) => r!.completedAt!)) - t0;
    return {
      answers: answers.map((a) => a.ms),
      server,
      statuses: answers.map((a) => a.status),
      lastCreated,
      lastCompleted,
      conclusions: runs().map((r) => r!.conclusion),
    };
  });
}

const h = await hostile();
const r = h.result;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;
const served = (l: LoopFigures) =>
  l.webhookAnswerMs.count === 0
    ? 'none'
    : `p50 ${l.webhookAnswerMs.p50!.toFixed(1)} ms, p99 ${l.webhookAnswerMs.p99!.toFixed(1)} ms, max ${l.webhookAnswerMs.max!.toFixed(1)} ms (${l.webhookAnswerMs.count})`;
const loop = (l: LoopFigures) => `p50 ${l.eventLoopDelayMs.p50} ms, p99 ${l.eventLoopDelayMs.p99} ms, max ${l.eventLoopDelayMs.max} ms`;
console.log('Hostile pull request (4 × 20,000 mixed principals), another installation delivering every 200 ms:');
console.log(`  hostile check: ${r.run.conclusion} — ${r.run.output?.title}`);
console.log(`  hostile check completed after ${fmt(r.run.completedAt! - r.t0Wall)}`);
console.log(
  `  other installation's webhooks without the hostile PR (${r.baseline.answers.length}): median ${fmt(median(r.baseline.answers))}, p90 ${fmt(pct(r.baseline.answers, 90))}, max ${fmt(Math.max(...r.baseline.answers))}`,
);
console.log(
  `  the same during the hostile review (${r.during.answers.length}): median ${fmt(median(r.during.answers))}, p90 ${fmt(pct(r.during.answers, 90))}, max ${fmt(Math.max(...r.during.answers))}`,
);
console.log(
  `  delay the hostile PR adds to them: median ${fmt(median(r.during.answers) - median(r.baseline.answers))}, p90 ${fmt(pct(r.during.answers, 90) - pct(r.baseline.answers, 90))}, max ${fmt(Math.max(...r.during.answers) - Math.max(...r.baseline.answers))} (goal: at most 100 ms)`,
);
console.log(`  the same as the server measured them (headers in to answer out), without: ${served(r.baselineLoop)}; during: ${served(r.duringLoop)}`);
console.log(
  `  /ping without / during: median ${fmt(median(r.baseline.pings))} / ${fmt(median(r.during.pings))}, max ${fmt(Math.max(...r.baseline.pings))} / ${fmt(Math.max(...r.during.pings))}`,
);
console.log(`  main-thread event-loop delay without the hostile PR: ${loop(r.baselineLoop)}`);
console.log(`  main-thread event-loop delay during the hostile review: ${loop(r.duringLoop)}`);
console.log(`  peak RSS: ${h.stats.maxRssMb} MB`);

const f = await fifty();
console.log('50 pull requests over 10 installations, delivered at once:');
console.log(
  `  webhook answers: median ${fmt(median(f.result.answers))}, max ${fmt(Math.max(...f.result.answers))} (statuses: ${[...new Set(f.result.statuses)].join(', ')})`,
);
console.log(`  the same as the server measured them (headers in to answer out): ${served(f.result.server)}`);
console.log(`  last check run created (queued): ${fmt(f.result.lastCreated)}`);
console.log(`  last check run completed: ${fmt(f.result.lastCompleted)} (conclusions: ${[...new Set(f.result.conclusions)].join(', ')})`);
console.log(
  `  main-thread event-loop delay: p50 ${f.stats.eventLoopDelayMs.p50} ms, p99 ${f.stats.eventLoopDelayMs.p99} ms, max ${f.stats.eventLoopDelayMs.max} ms`,
);
console.log(`  peak RSS: ${f.stats.maxRssMb} MB`);
