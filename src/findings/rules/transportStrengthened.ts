import { defineRule, where } from '../rule.js';

export default defineRule({
  id: 'transport-strengthened',
  formerIds: ['mtls-strengthened'],
  causes: ['transport-strengthened'],
  category: 'mtls-strengthened',
  severity: 'info',
  rationale: 'A workload port now requires a stronger transport. Callers without a sidecar will be refused: check that none remain.',
  title: (c) => `Transport strengthened on ${where(c)}`,
  fix: 'Make sure every caller of this port has a sidecar (or ztunnel) before merging, or the callers will fail.',
});
