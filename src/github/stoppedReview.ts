import type { StoppedOutcome } from './publish/checkRunLifecycle.js';

/**
 * A review stopped before its end by something other than a fault of the pull
 * request or of GitHub: a bound (time, memory), a newer push, a shutdown. It
 * carries how its check run is to be completed, so that no run is left queued
 * or in progress.
 */
export class StoppedReview extends Error {
  constructor(readonly outcome: StoppedOutcome) {
    super(outcome.title);
    this.name = 'StoppedReview';
  }
}

export type Bound = 'time' | 'memory';

/**
 * The analysis was stopped by a bound: the check fails closed (`failure`) as
 * `analysis-incomplete`, naming the bound and the setting that raises it, with
 * a "Re-run" button. A bound is never a pass: a pull request that makes the
 * analysis expensive is exactly one that must not slip through.
 */
export function analysisIncomplete(bound: Bound, limit: string, setting: string): StoppedReview {
  const what = bound === 'time' ? `did not finish within ${limit}` : `needed more than ${limit} of memory`;
  return new StoppedReview({
    conclusion: 'failure',
    title: `analysis-incomplete: the analysis ${what}`,
    summary: [
      `## ⚠️ analysis-incomplete`,
      '',
      `The analysis of this pull request ${what} and was stopped. The check fails closed: what could not be analysed cannot be shown to be safe.`,
      '',
      `The operator of this mesh-review installation can raise the ${bound} bound with the environment variable \`${setting}\`; then press **Re-run**.`,
      '',
      'Very large or very numerous principal/namespace patterns (mixed `prefix*` and `*suffix` values) make the exact comparison expensive; splitting such a policy also helps.',
    ].join('\n'),
    rerun: true,
  });
}
