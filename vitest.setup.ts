import fc from 'fast-check';

// CI must be reproducible: property tests there run from a fixed seed (override with FC_SEED).
// Locally every run explores new cases; a failure prints its seed for `FC_SEED=... npm test`.
const seed = process.env.FC_SEED ?? (process.env.CI ? '20261123' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
