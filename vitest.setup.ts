import { beforeEach } from 'vitest';
import { resetLazyBudget } from './src/policy/lazyAutomaton.js';
import fc from 'fast-check';

// CI must be reproducible: property tests there run from a fixed seed (override with FC_SEED).
// Locally every run explores new cases; a failure prints its seed for `FC_SEED=... npm test`.
const seed = process.env.FC_SEED ?? (process.env.CI ? '20261123' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });

// The lazy automata's state budget is per review (reviewSnapshots resets it); a test that uses the
// set algebra directly gets a fresh budget too, so that no test depends on what ran before it.
beforeEach(() => resetLazyBudget(2_000_000));
