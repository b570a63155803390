import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/** The release workflow's shape (what a reviewer of a release pipeline checks), and its notes script run for real. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NOTES = join(ROOT, '.github/release-notes.sh');

interface Job {
  needs?: string | string[];
  permissions?: Record<string, string>;
  steps: { run?: string; uses?: string }[];
}

const workflow = parse(readFileSync(join(ROOT, '.github/workflows/release.yml'), 'utf8')) as {
  on: { push: { tags: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
};

function runs(job: Job): string {
  return job.steps.map((s) => s.run ?? '').join('\n');
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function notes(version: string, changelog?: string) {
  const args = [NOTES, version];
  if (changelog !== undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'evalgate-notes-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'CHANGELOG.md'), changelog);
    args.push(join(dir, 'CHANGELOG.md'));
  }
  const r = spawnSync('bash', args, { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout };
}

describe('the release workflow', () => {
  it('runs on version tags only, never on the moving major tag', () => {
    const patterns = workflow.on.push.tags.map(
      (p) => new RegExp(`^${p.replaceAll('.', '\\.').replaceAll('*', '.*')}$`),
    );
    const matches = (tag: string) => patterns.some((p) => p.test(tag));
    expect(matches('v0.1.0')).toBe(true);
    expect(matches('v1.12.3-rc.1')).toBe(true);
    expect(matches('v0')).toBe(false);
    expect(matches('v1.2')).toBe(false);
  });

  it('grants nothing by default, each job only what it needs, and the OIDC token to publish alone', () => {
    expect(workflow.permissions).toEqual({});
    const jobs = workflow.jobs;
    for (const [name, job] of Object.entries(jobs)) {
      expect(job.permissions, name).toBeDefined();
      for (const need of [job.needs ?? []].flat()) expect(jobs[need], `${name} needs ${need}`).toBeDefined();
      expect(job.permissions!['id-token'] === 'write', name).toBe(name === 'publish');
    }
    expect(jobs.verify!.permissions).toEqual({ contents: 'read' });
    expect(jobs['major-tag']!.permissions).toEqual({ contents: 'write' });
    expect(jobs['github-release']!.permissions).toEqual({ contents: 'write' });
  });

  it('publishes only after the checks: fresh dist, tests, a CHANGELOG section', () => {
    const verify = runs(workflow.jobs.verify!);
    expect(verify).toContain('npm run build');
    expect(verify).toContain('git status --porcelain -- dist');
    expect(verify).toContain('npm test');
    expect(verify).toContain('.github/release-notes.sh');
    expect(workflow.jobs.publish!.needs).toBe('verify');
    expect(runs(workflow.jobs.publish!)).toContain('npm publish --provenance --access public');
    expect([workflow.jobs['major-tag']!.needs].flat()).toContain('publish');
    expect(runs(workflow.jobs['github-release']!)).toContain('gh release create');
  });
});

describe('release notes from CHANGELOG.md', () => {
  it("has a non-empty section for package.json's version", () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = notes(version);
    expect(r.status).toBe(0);
    expect(r.stdout.trim().length).toBeGreaterThan(0);
    expect(r.stdout).not.toMatch(/^## /m);
  });

  it('prints only the named section, in either heading style, and fails without one', () => {
    const changelog =
      '# Changelog\n\n## [1.1.0] - 2027-01-02\n\n- newer\n\n## 1.0.0\n\n- first\n- second\n\n## [0.9.0]\n\n- older\n';
    expect(notes('1.1.0', changelog)).toEqual({ status: 0, stdout: '\n- newer\n\n' });
    expect(notes('1.0.0', changelog)).toEqual({ status: 0, stdout: '\n- first\n- second\n\n' });
    expect(notes('1.0', changelog).status).toBe(1);
    expect(notes('2.0.0', changelog).status).toBe(1);
    expect(notes('2.0.0', '# Changelog\n\n## [2.0.0]\n\n').status).toBe(1);
  });
});
