/**
 * The engine in a worker thread (piscina loads this file's default export):
 * snapshots in, ReviewResult out. No GitHub I/O here; that stays on the main
 * thread, so a worker can be terminated at any instant without leaving a write half-done.
 */
import { analyseHere, type AnalyseInput } from '../github/reviewPullRequest.js';
import type { ReviewResult } from '../pipeline/reviewResult.js';

export default function analyse(input: AnalyseInput): Promise<ReviewResult> {
  return analyseHere(input);
}
