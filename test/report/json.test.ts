import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Category, Severity } from '../../src/findings/finding.js';
import { renderJson } from '../../src/report/json.js';
import { finding, result, sample } from './sample.js';

/** The public contract, hand-written and strict: an extra or missing key anywhere fails. */
const count = z.number().int().nonnegative();
const Contract = z
  .object({
    version: z.literal(1),
    summary: z
      .object({
        total: count,
        bySeverity: z.object({ critical: count, high: count, medium: count, low: count, info: count }).strict(),
        byCategory: z.record(Category, count),
        failOn: Severity,
        failed: z.boolean(),
        worst: Severity.nullable(),
        filesParsed: count,
        workloads: count,
        errors: count,
        removedKindsIgnored: count,
      })
      .strict(),
    findings: z.array(
      z
        .object({
          ruleId: z.string(),
          category: Category,
          severity: Severity,
          mesh: z.string(),
          workload: z.string().nullable(),
          port: z.number().int().nullable(),
          ports: z.array(z.number().int()),
          resource: z.object({ kind: z.string(), namespace: z.string().nullable(), name: z.string() }).strict(),
          file: z.string(),
          line: z.number().int(),
          title: z.string(),
          message: z.string(),
          witness: z.string().nullable(),
          notes: z.array(z.string()),
        })
        .strict(),
    ),
    errors: z.array(z.object({ file: z.string(), line: z.number().int(), message: z.string() }).strict()),
    unanalysed: z.array(
      z
        .object({
          kind: z.string(),
          namespace: z.string(),
          name: z.string(),
          file: z.string(),
          line: z.number().int(),
          change: z.enum(['added', 'changed', 'deleted']),
          what: z.string(),
        })
        .strict(),
    ),
  })
  .strict();

describe('renderJson', () => {
  it('matches the strict contract', () => {
    const parsed = Contract.parse(JSON.parse(renderJson(sample)));
    expect(parsed.findings).toHaveLength(3);
    expect(parsed.errors).toEqual(sample.errors);
    expect(parsed.unanalysed).toEqual([]);
    expect(parsed.summary).toEqual({ ...sample.summary, removedKindsIgnored: 0 });
  });

  it('lists changed objects of kinds not analysed apart from errors', () => {
    const o = { kind: 'Server', namespace: 'shop', name: 'web', file: 'l.yaml', line: 3, change: 'changed' as const, what: 'Linkerd policy' };
    const parsed = Contract.parse(JSON.parse(renderJson({ ...result([]), unanalysed: [o] })));
    expect(parsed.unanalysed).toEqual([o]);
    expect(parsed.errors).toEqual([]);
  });

  it('drops internal fields (side, field) and anything not in the contract', () => {
    const extra = { ...finding({ notes: ['n'], side: 'before', field: 'spec.rules.0' }), internal: 42 } as ReturnType<typeof finding>;
    const out = JSON.parse(renderJson(result([extra])));
    expect(Object.keys(out.findings[0])).toEqual([
      'ruleId',
      'category',
      'severity',
      'mesh',
      'workload',
      'port',
      'ports',
      'resource',
      'file',
      'line',
      'title',
      'message',
      'witness',
      'notes',
    ]);
    expect(out.findings[0].notes).toEqual(['n']);
  });

  it('lists every port of a finding, `port` being the first; a finding on no single port has none', () => {
    const out = JSON.parse(renderJson(result([finding({ port: 3550, ports: [3550, 8080, 9090] }), finding({ port: 8080 }), finding({ port: null })])));
    expect(out.findings.map((f: { port: number | null; ports: number[] }) => [f.port, f.ports])).toEqual([
      [3550, [3550, 8080, 9090]],
      [8080, [8080]],
      [null, []],
    ]);
    expect(out.findings[1].notes).toEqual([]);
  });

  it('keeps nulls as nulls', () => {
    const out = JSON.parse(
      renderJson(result([finding({ workload: null, port: null, witness: null, resource: { kind: 'Namespace', namespace: null, name: 'x' } })])),
    );
    expect(out.findings[0]).toMatchObject({ workload: null, port: null, witness: null, resource: { namespace: null } });
  });

  it('is pretty-printed with a trailing newline, and deterministic', () => {
    const text = renderJson(sample);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "version": 1,');
    expect(renderJson(sample)).toBe(text);
  });

  it('an empty review is still a full document', () => {
    expect(Contract.parse(JSON.parse(renderJson(result([]))))).toMatchObject({ findings: [], errors: [], summary: { total: 0, worst: null } });
  });
});
