/**
 * `npm run history`: reviews every real-history pair (fixtures/history-real) and
 * prints, per pair and per source repository, the findings, how many are true,
 * the false alarms and the missed weakenings, then precision (true findings /
 * all findings that are alarms) and misses. It prints and never gates (the test
 * does that): the exit status is 0 whatever the figures.
 * `--verbose` also lists every false alarm and miss; `--flat` reads each pair as one flat
 * folder of YAML (kustomize and Helm not rendered), as the engine did before issue #13.
 */
import { listPairs, renderFailures, scorePair, type PairScore } from './historyPairs.js';

const verbose = process.argv.includes('--verbose');
const flat = process.argv.includes('--flat');
const pad = (s: string | number, n: number) => String(s).padEnd(n);
const pct = (a: number, b: number) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)} %`);

const scores: PairScore[] = [];
for (const pair of listPairs()) scores.push(await scorePair(pair, { flat }));
console.log(
  flat ? 'read flat: kustomize roots and Helm charts not rendered\n' : 'kustomize roots and Helm charts rendered by the real tools, as the CLI reads them\n',
);

const width = Math.max(4, ...scores.map((s) => s.pair.length));
console.log(`${pad('pair', width)}  ${pad('verdict', 9)} findings  true  false  missed  good-news  ok`);
for (const s of scores) {
  const goodNews = s.result.findings.length - s.alarms.length;
  console.log(
    `${pad(s.pair, width)}  ${pad(s.verdict.harmless ? 'harmless' : 'weakens', 9)} ${pad(s.alarms.length, 9)} ${pad(s.trueAlarms.length, 5)} ${pad(s.falseAlarms.length, 6)} ${pad(s.missed.length, 7)} ${pad(goodNews, 10)} ${s.wrong.length === 0 ? 'yes' : 'NO'}`,
  );
  if (verbose) {
    for (const f of s.falseAlarms)
      console.log(`    false: ${f.severity} ${f.ruleId} ${f.workload ?? '-'}${f.port ? `:${f.port}` : ''} ${f.file}:${f.line} ${f.title}`);
    for (const w of s.wrong) console.log(`    wrong: ${w}`);
  }
}

/** Findings grouped per rule and workload (one group per weakened workload, whatever its port count). */
const groups = (s: PairScore) => {
  const key = (f: PairScore['alarms'][number]) => `${f.ruleId}|${f.workload ?? f.resource.namespace ?? '-'}`;
  const all = new Set(s.alarms.map(key));
  const good = new Set(s.trueAlarms.map(key));
  return { all: all.size, good: [...all].filter((k) => good.has(k)).length };
};

const total = (xs: PairScore[]) => {
  const grouped = xs.map(groups).reduce((a, g) => ({ all: a.all + g.all, good: a.good + g.good }), { all: 0, good: 0 });
  const all = xs.reduce((n, s) => n + s.alarms.length, 0);
  const good = xs.reduce((n, s) => n + s.trueAlarms.length, 0);
  const missed = xs.reduce((n, s) => n + s.missed.length, 0);
  const expected = xs.reduce((n, s) => n + s.verdict.weakenings.length, 0);
  const wrong = xs.filter((s) => s.wrong.length > 0).length;
  return `${pad(xs.length, 6)} ${pad(all, 9)} ${pad(good, 5)} ${pad(all - good, 6)} ${pad(`${missed}/${expected}`, 8)} ${pad(pct(good, all), 10)} ${pad(pct(grouped.good, grouped.all), 16)} ${wrong}`;
};
console.log(`\n${pad('repository', 48)} pairs  findings  true  false  missed   precision  per rule+workload wrong pairs`);
for (const repo of [...new Set(scores.map((s) => s.repo))].sort()) {
  console.log(`${pad(repo, 48)} ${total(scores.filter((s) => s.repo === repo))}`);
}
console.log(`${pad('TOTAL', 48)} ${total(scores)}`);
const wrong = scores.filter((s) => s.wrong.length > 0);
if (wrong.length > 0) {
  console.log('\nPairs the engine gets wrong:');
  for (const s of wrong) console.log(`  ${s.pair}: ${s.wrong.join('; ')}`);
}
if (renderFailures.size > 0) {
  console.log('\nTargets that failed to render (their objects unknown; a new failure is analysis-incomplete):');
  for (const [pair, msgs] of renderFailures) for (const m of msgs) console.log(`  ${pair}: ${m.length > 240 ? `${m.slice(0, 240)}...` : m}`);
}
