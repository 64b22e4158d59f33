/**
 * `npm run load`: the server under the load of issue #12, on loopback only.
 * Two runs of `npm start` against the GitHub stand-in, production settings
 * (writes one second apart per installation) except a 10 s analysis bound:
 *   1. a hostile pull request (four policies of 20,000 mixed principals each) while another
 *      installation's webhooks arrive every 200 ms;
 *   2. 50 pull requests over 10 installations, delivered at once.
 * Prints webhook answer times, time to the last check run created and
 * completed, the event-loop delay during the hostile review, and peak RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, pullRequestEvent, waitFor } from './appProcess.js';
import { makePull } from './pulls.js';
import { GitHubStandIn } from './standIn.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const fmt = (ms: number) => `${ms.toFixed(0)} ms`;

async function withApp<T>(env: Record<string, string>, body: (gh: GitHubStandIn, app: AppProcess) => Promise<T>): Promise<{ result: T; stats: { eventLoopDelayMs: { p50: number; p99: number; max: number }; maxRssMb: number } }> {
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

async function hostile() {
  return withApp({}, async (gh, app) => {
    const evil = makePull({ number: 1, installationId: 900, kind: 'hostile', principals: 20_000 });
    gh.addPull(evil);
    const others = Array.from({ length: 40 }, (_, i) => makePull({ number: 100 + i, installationId: 901, kind: 'harmless' }));
    for (const p of others) gh.addPull(p);
    const t0 = performance.now();
    await app.deliver('pull_request', pullRequestEvent('opened', evil));
    const answers: number[] = [];
    const pings: number[] = [];
    let i = 0;
    // Other installation's webhooks and /ping, every 200 ms, while the hostile review runs (bounded: 40).
    while (gh.runsOf(evil.owner, evil.repo, evil.headSha)[0]?.status !== 'completed' && i < others.length) {
      answers.push((await app.deliver('pull_request', pullRequestEvent('opened', others[i++]!))).ms);
      pings.push((await app.ping()).ms);
      await new Promise((r) => setTimeout(r, 200));
    }
    await waitFor(() => gh.runsOf(evil.owner, evil.repo, evil.headSha)[0]?.status === 'completed', 120_000);
    const run = gh.runsOf(evil.owner, evil.repo, evil.headSha)[0]!;
    return { answers, pings, run, t0Wall: Date.now() - (performance.now() - t0) };
  });
}

async function fifty() {
  return withApp({}, async (gh, app) => {
    const pulls = Array.from({ length: 50 }, (_, i) => makePull({ number: i + 1, installationId: 1000 + (i % 10), kind: 'demo' }));
    for (const p of pulls) gh.addPull(p);
    const t0 = Date.now();
    const answers = await Promise.all(pulls.map((p) => app.deliver('pull_request', pullRequestEvent('opened', p))));
    const runs = () => pulls.map((p) => gh.runsOf(p.owner, p.repo, p.headSha)[0]);
    await waitFor(() => runs().every((r) => r !== undefined), 120_000);
    const lastCreated = Math.max(...runs().map((r) => r!.createdAt)) - t0;
    await waitFor(() => runs().every((r) => r?.status === 'completed'), 600_000);
    const lastCompleted = Math.max(...runs().map((r) => r!.completedAt!)) - t0;
    return { answers: answers.map((a) => a.ms), statuses: answers.map((a) => a.status), lastCreated, lastCompleted, conclusions: runs().map((r) => r!.conclusion) };
  });
}

const h = await hostile();
console.log('Hostile pull request (4 × 20,000 mixed principals), another installation delivering every 200 ms:');
console.log(`  hostile check: ${h.result.run.conclusion} — ${h.result.run.output?.title}`);
console.log(`  hostile check completed after ${fmt(h.result.run.completedAt! - h.result.t0Wall)}`);
console.log(`  other installation's webhooks meanwhile (${h.result.answers.length}): median ${fmt(median(h.result.answers))}, max ${fmt(Math.max(...h.result.answers))}`);
console.log(`  /ping meanwhile: median ${fmt(median(h.result.pings))}, max ${fmt(Math.max(...h.result.pings))}`);
console.log(`  main-thread event-loop delay: p50 ${h.stats.eventLoopDelayMs.p50} ms, p99 ${h.stats.eventLoopDelayMs.p99} ms, max ${h.stats.eventLoopDelayMs.max} ms`);
console.log(`  peak RSS: ${h.stats.maxRssMb} MB`);

const f = await fifty();
console.log('50 pull requests over 10 installations, delivered at once:');
console.log(`  webhook answers: median ${fmt(median(f.result.answers))}, max ${fmt(Math.max(...f.result.answers))} (statuses: ${[...new Set(f.result.statuses)].join(', ')})`);
console.log(`  last check run created (queued): ${fmt(f.result.lastCreated)}`);
console.log(`  last check run completed: ${fmt(f.result.lastCompleted)} (conclusions: ${[...new Set(f.result.conclusions)].join(', ')})`);
console.log(`  main-thread event-loop delay: p50 ${f.stats.eventLoopDelayMs.p50} ms, p99 ${f.stats.eventLoopDelayMs.p99} ms, max ${f.stats.eventLoopDelayMs.max} ms`);
console.log(`  peak RSS: ${f.stats.maxRssMb} MB`);
