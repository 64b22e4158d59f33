import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** No Docker engine runs here: the Dockerfile is checked statically, line by line. */
const text = readFileSync('Dockerfile', 'utf8');
const lines = text
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const instr = (name: string) => lines.filter((l) => l.toUpperCase().startsWith(`${name} `));
const args = Object.fromEntries(
  instr('ARG')
    .map((l) => l.slice(4).split('='))
    .filter((kv) => kv.length === 2),
) as Record<string, string>;
const stages = instr('FROM');
const finalStage = lines.slice(lines.lastIndexOf(stages[stages.length - 1]!));

describe('Dockerfile', () => {
  it('is multi-stage on a pinned Node 24 (current LTS) image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(args.NODE_VERSION).toMatch(/^24\.\d+\.\d+$/);
    for (const from of stages) {
      expect(from).not.toMatch(/:latest\b/);
      expect(from).toMatch(/node:\$\{NODE_VERSION\}/);
    }
  });

  it('installs a pinned Helm', () => {
    expect(args.HELM_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(text).toMatch(/helm-v\$\{HELM_VERSION\}/);
  });

  it('ships production dependencies only and runs as a non-root user', () => {
    expect(text).toMatch(/npm prune --omit=dev|npm ci[^\n]*--omit=dev/);
    const user = finalStage.filter((l) => l.startsWith('USER '));
    expect(user).toHaveLength(1);
    expect(user[0]).not.toMatch(/USER (root|0)\b/);
  });

  it('exposes 3000, checks its health and starts the server as npm start does', () => {
    expect(finalStage).toContain('EXPOSE 3000');
    expect(finalStage.some((l) => l.startsWith('HEALTHCHECK ') && l.includes('/ping'))).toBe(true);
    const cmd = finalStage.find((l) => l.startsWith('CMD '))!;
    const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(JSON.parse(cmd.slice(4))).toEqual(start.split(' '));
  });

  it('copies only files that exist in the repository', () => {
    for (const copy of instr('COPY').filter((l) => !l.includes('--from='))) {
      const parts = copy
        .split(/\s+/)
        .slice(1)
        .filter((p) => !p.startsWith('--'));
      for (const src of parts.slice(0, -1)) expect(existsSync(src), `${src} in "${copy}"`).toBe(true);
    }
  });
});

describe('app.yml', () => {
  const manifest = parse(readFileSync('app.yml', 'utf8'));
  it('asks for least privilege', () => {
    expect(manifest.default_permissions).toEqual({ checks: 'write', pull_requests: 'write', contents: 'read', metadata: 'read' });
  });
  it('subscribes to exactly the events the app handles', () => {
    expect([...manifest.default_events].sort()).toEqual(['check_run', 'check_suite', 'pull_request']);
  });
  it("sets no webhook URL: Probot spreads the manifest over its own, so one here would replace the setup flow's smee channel", () => {
    expect(manifest.hook_attributes).toBeUndefined();
  });
});
