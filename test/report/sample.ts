import { defaultConfig } from '../../src/config/schema.js';
import type { Finding, ReviewError } from '../../src/findings/finding.js';
import { summarize } from '../../src/findings/filter/applyConfig.js';
import type { ReviewResult } from '../../src/pipeline/reviewResult.js';

/** A finding with sensible defaults; tests override only what they are about. */
export function finding(over: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'mtls-weakened',
    category: 'mtls-weakened',
    severity: 'high',
    mesh: 'istio',
    workload: 'payments/api',
    port: 8080,
    resource: { kind: 'PeerAuthentication', namespace: 'payments', name: 'default' },
    file: 'deploy/payments/peer-auth.yaml',
    line: 12,
    side: 'after',
    title: 'mTLS no longer required',
    message: 'PeerAuthentication payments/default changed mode STRICT -> PERMISSIVE.',
    witness: 'plaintext TCP from any pod in namespace default',
    ...over,
  };
}

export function result(findings: Finding[], errors: ReviewError[] = [], failOn: Finding['severity'] = 'high'): ReviewResult {
  return {
    version: 1,
    summary: summarize(findings, errors, { ...defaultConfig(), failOn }, { filesParsed: 7, workloads: 3 }),
    findings,
    errors,
    unanalysed: [],
  };
}

/** Three findings of different severities and one parse error. */
export const sample: ReviewResult = result(
  [
    finding({
      severity: 'medium',
      ruleId: 'access-broadened',
      category: 'access-broadened',
      title: 'Access broadened',
      workload: 'shop/cart',
      port: null,
      line: 30,
      witness: 'GET /admin from cluster.local/ns/web/sa/frontend',
      message: 'Requests from namespace web are now allowed.',
    }),
    finding(),
    finding({
      severity: 'critical',
      ruleId: 'ingress-exposed',
      category: 'ingress-exposed',
      title: 'Exposed to the internet',
      workload: null,
      port: 443,
      side: 'before',
      line: 4,
      notes: ['ignore entry for ingress-exposed expired on 2024-01-31; reason was: migration'],
    }),
  ],
  [{ file: 'deploy/broken.yaml', line: 3, message: 'mapping values are not allowed here' }],
);
