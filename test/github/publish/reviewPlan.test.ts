import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../src/findings/finding.js';
import type { ExistingState, ExistingThread } from '../../../src/github/publish/existingThreads.js';
import { fingerprintOf, parseBodyFingerprints, parseCommentFingerprints, parseReviewMarker, safeRunId } from '../../../src/github/publish/markers.js';
import { renderReviewBody } from '../../../src/github/publish/reviewBody.js';
import { sortFindings } from '../../../src/report/format.js';
import { planReview } from '../../../src/github/publish/reviewPlan.js';
import { legacyFingerprint } from '../../../src/report/sarif.js';
import { finding as base, result } from '../../report/sample.js';
import { HEAD, lines } from './helpers.js';

const FILE = 'deploy/payments/peer-auth.yaml';
const finding = (over: Partial<Finding> = {}): Finding =>
  base({ ruleId: 'transport-weakened', title: 'mTLS no longer required on payments/api:8080', ...over });
const none: ExistingState = { threads: [], reviews: [] };

function thread(f: Finding, over: Partial<ExistingThread> = {}): ExistingThread {
  return {
    id: `T_${f.workload}_${f.port}`,
    fingerprints: [fingerprintOf(f)],
    isResolved: false,
    isOutdated: false,
    path: f.file,
    firstComment: { id: 'C', databaseId: 1, author: 'mesh-review' },
    othersReplied: false,
    fixedReplied: false,
    resolvedByOther: false,
    ...over,
  };
}

const bodyBytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('planReview', () => {
  const a = finding({ line: 12 });
  const b = finding({ workload: 'payments/db', line: 20, title: 'mTLS no longer required on payments/db:8080' });
  const all = lines({ [FILE]: { right: [12, 20, 30], left: [4, 5] } });

  it.each<[string, Finding[], ExistingState, { comments: number; body: number; fresh: number }]>([
    ['new findings on diff lines are commented', [a, b], none, { comments: 2, body: 0, fresh: 0 }],
    ['an open app thread is not commented again (redelivery, re-run)', [a, b], { threads: [thread(a)], reviews: [] }, { comments: 1, body: 0, fresh: 0 }],
    [
      'a thread the app resolved comes back when the finding does',
      [a],
      { threads: [thread(a, { isResolved: true })], reviews: [] },
      { comments: 1, body: 0, fresh: 0 },
    ],
    [
      'a thread a person resolved is left alone',
      [a],
      { threads: [thread(a, { isResolved: true, resolvedByOther: true })], reviews: [] },
      { comments: 0, body: 0, fresh: 0 },
    ],
    ['a line outside the diff goes to the body', [finding({ line: 99 })], none, { comments: 0, body: 1, fresh: 1 }],
    ['a file outside the diff goes to the body', [finding({ file: 'other.yaml' })], none, { comments: 0, body: 1, fresh: 1 }],
    [
      'a body finding an earlier review listed is not new',
      [finding({ line: 99 })],
      { threads: [], reviews: [{ id: 'R', headSha: HEAD, runId: 'r', bodyFingerprints: [fingerprintOf(a)] }] },
      { comments: 0, body: 1, fresh: 0 },
    ],
    [
      'narrowed access goes to the body and is never new on its own',
      [finding({ ruleId: 'access-narrowed', category: 'access-narrowed', severity: 'info' })],
      none,
      { comments: 0, body: 1, fresh: 0 },
    ],
    ['the same identity twice gets one comment', [a, finding({ line: 30 })], none, { comments: 1, body: 0, fresh: 0 }],
    // Re-runs do not spend the inline cap on findings an earlier review already listed (over the cap, or no line then).
    [
      'a finding an earlier review listed in its body stays there, even on a commentable line',
      [a],
      { threads: [], reviews: [{ id: 'R', headSha: HEAD, runId: 'r', bodyFingerprints: [fingerprintOf(a).slice(0, 16)] }] },
      { comments: 0, body: 1, fresh: 0 },
    ],
  ])('%s', (_name, findings, existing, expected) => {
    const plan = planReview(result(findings), all, existing);
    expect({ comments: plan.comments.length, body: plan.bodyFindings.length, fresh: plan.newBodyFindings.length }).toEqual(expected);
  });

  it('comments on the head line with side RIGHT, and on the base line with side LEFT when the cause was deleted', () => {
    const deleted = finding({
      ruleId: 'deny-policy-weakened',
      side: 'before',
      line: 5,
      resource: { kind: 'AuthorizationPolicy', namespace: 'payments', name: 'deny-all' },
    });
    const plan = planReview(result([a, deleted]), all, none);
    expect(plan.comments.map(({ path, line, side }) => ({ path, line, side }))).toEqual([
      { path: FILE, line: 5, side: 'LEFT' },
      { path: FILE, line: 12, side: 'RIGHT' },
    ]);
    // The base line is looked up on the LEFT side only: line 12 is not a base line here.
    expect(planReview(result([finding({ side: 'before', line: 12 })]), all, none).comments).toEqual([]);
  });

  it('puts a base-side comment of a renamed file on its head path', () => {
    const moved = finding({ side: 'before', file: 'old/pa.yaml', line: 4 });
    const plan = planReview(result([moved]), lines({ 'new/pa.yaml': { left: [4] } }), none, { renames: new Map([['old/pa.yaml', 'new/pa.yaml']]) });
    expect(plan.comments[0]).toMatchObject({ path: 'new/pa.yaml', line: 4, side: 'LEFT' });
  });

  it('posts at most 30 inline comments, worst first; the rest go to the body', () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      finding({ workload: `ns/w${i}`, line: i + 1, severity: i % 2 === 0 ? 'medium' : 'critical', title: `t${i}` }),
    );
    const plan = planReview(result(many), lines({ [FILE]: { right: many.map((f) => f.line) } }), none);
    expect(plan.comments).toHaveLength(30);
    expect(plan.comments.slice(0, 20).every((c) => c.findings[0]!.severity === 'critical')).toBe(true);
    expect(plan.bodyFindings).toHaveLength(10);
    expect(plan.bodyFindings.every((f) => f.severity === 'medium')).toBe(true);
    expect(planReview(result(many), lines({ [FILE]: { right: many.map((f) => f.line) } }), none, { maxComments: 5 }).comments).toHaveLength(5);
  });

  it('comments on informational findings only with commentOnInfo', () => {
    const narrowed = finding({ ruleId: 'access-narrowed', category: 'access-narrowed', severity: 'info', title: 'Access narrowed on payments/api:8080' });
    expect(planReview(result([narrowed]), all, none, { commentOnInfo: true }).comments).toHaveLength(1);
  });

  it('a thread or body entry under the v1 fingerprint (rule, workload, port, resource) is the same finding after the upgrade', () => {
    const grouped = finding({ line: 12, field: 'spec.mtls.mode', port: 8080, ports: [8080, 9090] });
    const v1 = legacyFingerprint({ ...grouped, port: 9090 });
    const old = { ...thread(grouped), id: 'T_v1', fingerprints: [v1] };
    const plan = planReview(result([grouped]), all, { threads: [old], reviews: [] });
    expect(plan.comments).toEqual([]);
    expect(plan.fixedThreads).toEqual([]);
    const listed = planReview(result([grouped]), all, { threads: [], reviews: [{ id: 'R', headSha: HEAD, runId: 'r', bodyFingerprints: [v1.slice(0, 16)] }] });
    expect([listed.comments.length, listed.bodyFindings.length, listed.newBodyFindings.length]).toEqual([0, 1, 0]);
    // Without the alias the old thread would read as fixed and the finding be posted again.
    expect(planReview(result([finding({ workload: 'payments/other', line: 12 })]), all, { threads: [old], reviews: [] }).fixedThreads.map((t) => t.id)).toEqual(
      ['T_v1'],
    );
  });

  it("a thread or body entry under the rule's former id (peer-authentication-weakened) is the same finding after the rename", () => {
    const renamed = finding({ line: 12, field: 'spec.mtls.mode' });
    for (const old of [
      fingerprintOf({ ...renamed, ruleId: 'peer-authentication-weakened' }),
      legacyFingerprint({ ...renamed, ruleId: 'peer-authentication-weakened' }),
    ]) {
      const plan = planReview(result([renamed]), all, { threads: [{ ...thread(renamed), id: 'T_old', fingerprints: [old] }], reviews: [] });
      expect([plan.comments.length, plan.fixedThreads.length]).toEqual([0, 0]);
      const listed = planReview(result([finding({ line: 99, field: 'spec.mtls.mode' })]), all, {
        threads: [],
        reviews: [{ id: 'R', headSha: HEAD, runId: 'r', bodyFingerprints: [old.slice(0, 16)] }],
      });
      expect([listed.bodyFindings.length, listed.newBodyFindings.length]).toEqual([1, 0]);
    }
  });

  it('finds fixed threads: open app threads whose fingerprint is gone, unless the review has errors', () => {
    const gone = finding({ workload: 'payments/old' });
    const existing: ExistingState = {
      threads: [
        thread(a),
        thread(gone),
        thread(finding({ workload: 'payments/resolved' }), { isResolved: true }),
        thread(finding({ workload: 'payments/answered' }), { othersReplied: true, fixedReplied: true }),
      ],
      reviews: [],
    };
    expect(planReview(result([a]), all, existing).fixedThreads.map((t) => t.id)).toEqual(['T_payments/old_8080']);
    expect(planReview(result([a], [{ file: 'x.yaml', line: 1, message: 'broken' }]), all, existing).fixedThreads).toEqual([]);
    // A changed object of a kind not analysed yet was read: it cannot hide a finding, so fixed threads are still settled.
    const notice = {
      file: 'np.yaml',
      line: 1,
      message: 'NetworkPolicy shop/web changed: mesh-review does not analyse Kubernetes NetworkPolicy yet; review this change by hand',
    };
    expect(planReview(result([a], [notice]), all, existing).fixedThreads.map((t) => t.id)).toEqual(['T_payments/old_8080']);
  });

  it('writes a comment that says what changed, who can reach it, how to fix it, links the rule, and carries the fingerprint', () => {
    const f = finding({ message: 'mode STRICT -> PERMISSIVE, ask @security-team', witness: 'GET /pay from <any pod>' });
    const [c] = planReview(result([f]), all, none, { docsBaseUrl: 'https://github.com/acme/mesh-review/blob/v1' }).comments;
    expect(c!.body).toContain('**🟠 high · mTLS no longer required on payments/api:8080**');
    expect(c!.body).toContain('**What changed:** mode STRICT -\\> PERMISSIVE, ask @&#8203;security-team');
    expect(c!.body).toContain('**Who can now reach it, and how:** `GET /pay from <any pod>`');
    expect(c!.body).toMatch(/\*\*How to fix:\*\* \S/);
    expect(c!.body).toContain('(https://github.com/acme/mesh-review/blob/v1/docs/rules/transport-weakened.md)');
    expect(parseCommentFingerprints(c!.body)).toEqual([fingerprintOf(f)]);
    expect(c!.fingerprints).toEqual([fingerprintOf(f)]);
  });

  describe('findings caused by one line share one comment', () => {
    const wide = (i: number, over: Partial<Finding> = {}) =>
      finding({ workload: `ns${i}/w${i}`, line: 12, title: `mTLS no longer required on ns${i}/w${i}:8080`, witness: `plaintext to ns${i}/w${i}`, ...over });

    it('makes one comment with every finding, each fix once, and a marker per finding', () => {
      const group = [wide(1), wide(2, { severity: 'critical' }), wide(3, { ruleId: 'deny-policy-weakened', title: 'DENY no longer blocks ns3/w3:8080' })];
      const plan = planReview(result(group), all, none, { docsBaseUrl: 'https://example.test/mr' });
      expect(plan.comments).toHaveLength(1);
      const [c] = plan.comments;
      expect(c).toMatchObject({ path: FILE, line: 12, side: 'RIGHT' });
      // Worst first, in the comment and in its findings.
      expect(c!.findings).toEqual(sortFindings(group));
      expect(c!.findings[0]!.workload).toBe('ns2/w2');
      expect(c!.body).toContain('**🔴 3 findings caused by this line, worst critical**');
      for (const f of group) {
        expect(c!.body).toContain(f.title);
        expect(c!.body).toContain(`\`${f.witness}\``);
      }
      expect(c!.body.match(/\*\*How to fix \(transport-weakened\):\*\*/g)).toHaveLength(1);
      expect(c!.body.match(/\*\*How to fix \(deny-policy-weakened\):\*\*/g)).toHaveLength(1);
      expect(c!.body).toContain('https://example.test/mr/docs/rules/deny-policy-weakened.md');
      expect(parseCommentFingerprints(c!.body)).toEqual(c!.findings.map(fingerprintOf));
      expect(bodyBytes(c!.body)).toBeLessThanOrEqual(65_536);
    });

    it('counts lines, not findings, against the cap', () => {
      const many = Array.from({ length: 40 }, (_, i) => wide(i));
      const plan = planReview(result([...many, b]), all, none, { maxComments: 2 });
      expect(plan.comments.map((c) => c.findings.length).sort()).toEqual([1, 40]);
      expect(plan.bodyFindings).toEqual([]);
    });

    it('stays within GitHub’s limit with hundreds of findings on a line; the overflow goes to the body', () => {
      const many = Array.from({ length: 450 }, (_, i) => wide(i, { message: '流'.repeat(200) }));
      const plan = planReview(result(many), all, none);
      expect(plan.comments).toHaveLength(1);
      const [c] = plan.comments;
      expect(c!.findings).toHaveLength(200);
      expect(bodyBytes(c!.body)).toBeLessThanOrEqual(65_536);
      expect(parseCommentFingerprints(c!.body)).toHaveLength(200);
      expect(c!.body).toMatch(/… \d+ more findings in the `mesh-review` check run/);
      expect(plan.bodyFindings).toHaveLength(250);
    });

    it('a thread about several findings stays open while any of them remains, and a new one on its line gets a comment of its own', () => {
      const [x, y, z] = [wide(1), wide(2), wide(3)];
      const grouped = { ...thread(x), fingerprints: [fingerprintOf(x), fingerprintOf(y)] };
      const existing: ExistingState = { threads: [grouped], reviews: [] };
      const stillY = planReview(result([y, z]), all, existing);
      expect(stillY.fixedThreads).toEqual([]);
      expect(stillY.comments.map((c) => c.findings)).toEqual([[z]]);
      expect(planReview(result([z]), all, existing).fixedThreads.map((t) => t.id)).toEqual([grouped.id]);
    });
  });

  it('is deterministic: the same inputs plan the same review', () => {
    const r = result([b, a, finding({ line: 99 })]);
    expect(planReview(r, all, none)).toEqual(planReview(r, all, none));
  });
});

describe('renderReviewBody', () => {
  it('lists body findings with markers and stays within 65,536 bytes', () => {
    const many = Array.from({ length: 2000 }, (_, i) => finding({ workload: `ns/w${i}`, message: '流'.repeat(30) }));
    const body = renderReviewBody({ headSha: HEAD, runId: 'r1', inlineCount: 3, bodyFindings: many });
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(65_536);
    expect(body).toMatch(/more findings? in the `mesh-review` check run/);
    expect(body.startsWith(`<!-- mesh-review:review head=${HEAD} run=r1 -->`)).toBe(true);
  });

  it('names every listed finding in its trailer, also those the body has no room to show', () => {
    const many = Array.from({ length: 2000 }, (_, i) => finding({ workload: `ns/w${i}`, message: '流'.repeat(30) }));
    const body = renderReviewBody({ headSha: HEAD, runId: 'r1', inlineCount: 0, bodyFindings: many }, {});
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(65_536);
    expect(body).toMatch(/more findings? in the `mesh-review` check run/);
    expect(new Set(parseBodyFingerprints(body))).toEqual(new Set(many.map((f) => fingerprintOf(f).slice(0, 16))));
  });

  it('carries any run id in a marker that parses back', () => {
    const body = renderReviewBody({ headSha: HEAD, runId: 'delivery 12/ab:cd', inlineCount: 0, bodyFindings: [] });
    expect(parseReviewMarker(body)).toEqual({ headSha: HEAD, runId: safeRunId('delivery 12/ab:cd') });
    expect(safeRunId('72d3162e-cc78-11e3-81ab-4c9367dc0958')).toBe('72d3162e-cc78-11e3-81ab-4c9367dc0958');
  });
});
