import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFixtureRepo, type TempRepo } from '../../../test/helpers/git.js';
import { fakeResults } from '../../../test/kits/baseline.js';
import { main } from '../main.js';
import type { CliIO } from '../types.js';

function io(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIO = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    cwd,
    env: { ...process.env },
    isTTY: false,
  };
  return { io: value, out: () => out.join(''), err: () => err.join('') };
}

async function cli(repo: TempRepo, ...argv: string[]) {
  const t = io(repo.dir);
  const code = await main(['baseline', ...argv], t.io);
  return { code, stdout: t.out(), stderr: t.err() };
}

function project(): TempRepo {
  const repo = createFixtureRepo();
  const results = fakeResults(
    [
      { id: 'billing-qa', target: 'billing', outputs: ['Your invoice went to jane@example.com'] },
      { id: 'safety', target: 'billing', outcomes: 'P' },
    ],
    { gitSha: repo.sha('HEAD'), finishedAt: new Date(Date.now() - 3 * 3_600_000).toISOString() },
  );
  writeFileSync(join(repo.dir, 'evalgate-results.json'), JSON.stringify(results));
  return repo;
}

describe('evalgate baseline', () => {
  it('saves to the baselines branch, then lists and shows', async () => {
    const repo = project();
    const saved = await cli(repo, 'save', '--message', 'nightly baselines');
    expect(saved.stderr).toBe('');
    expect(saved.code).toBe(0);
    const commit = repo.sha('evalgate-baselines');
    expect(saved.stdout).toBe(
      `Saved 2 baselines to branch evalgate-baselines in commit ${commit.slice(0, 12)}, privacy redacted:\n` +
        '  billing-qa  3 cases  → evalgate-baselines:billing-qa.json\n' +
        '  safety  1 case  → evalgate-baselines:safety.json\n' +
        "The branch is local to this clone: 'git push origin evalgate-baselines', or save with --remote origin.\n",
    );
    expect(repo.git('log', '-1', '--format=%s', 'evalgate-baselines')).toBe('nightly baselines');
    expect(repo.git('status', '--porcelain')).toBe('?? evalgate-results.json');

    const list = await cli(repo, 'list');
    expect(list.code).toBe(0);
    const head = repo.sha('HEAD').slice(0, 12);
    expect(list.stdout).toBe(
      'Baselines in branch evalgate-baselines:\n' +
        '  SUITE       COMMIT        AGE  EVALGATE  CASES  PRIVACY\n' +
        `  billing-qa  ${head}  3h   0.1.0     3      redacted\n` +
        `  safety      ${head}  3h   0.1.0     1      redacted\n`,
    );
    const listJson = JSON.parse((await cli(repo, 'list', '--json')).stdout);
    expect(listJson.map((l: { suite: string }) => l.suite)).toEqual(['billing-qa', 'safety']);

    const show = await cli(repo, 'show', 'billing-qa');
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^Baseline of suite billing-qa \(branch evalgate-baselines\)\n/);
    expect(show.stdout).toContain(`  commit       ${repo.sha('HEAD')} on main\n`);
    expect(show.stdout).toContain('  target       billing (openai, model gpt-4o)\n');
    expect(show.stdout).toContain(
      '  cases        3, 3 samples: 2 passed, 1 failed, 0 errors (pass rate 66.7%)\n',
    );

    const json = JSON.parse((await cli(repo, 'show', 'billing-qa', '--json')).stdout);
    expect(json.schemaVersion).toBe(1);
    expect(json.fingerprint.graders.specHash).toMatch(/^[0-9a-f]{64}$/);
    expect(json.result.cases[0].samples[0].output.output).toBe('Your invoice went to [REDACTED:email]');
  });

  it('saves to a path store with the privacy given, and only the suites asked for', async () => {
    const repo = project();
    const saved = await cli(repo, 'save', '--store', 'path', '--privacy', 'hash', '--suite', 'safety');
    expect(saved.code).toBe(0);
    expect(saved.stdout).toBe(
      'Saved 1 baseline to path .evalgate/baselines, privacy hash:\n  safety  1 case  → .evalgate/baselines/safety.json\n',
    );
    const stored = JSON.parse(readFileSync(join(repo.dir, '.evalgate/baselines/safety.json'), 'utf8'));
    expect(stored.result.cases[0].samples[0].output.output).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await cli(repo, 'list', '--store', 'path')).stdout).toContain('  safety  ');
  });

  it('reports a suite with no baseline, and an empty store', async () => {
    const repo = project();
    expect((await cli(repo, 'list')).stdout).toBe(
      "No baselines in branch evalgate-baselines. Save some with 'evalgate baseline save' after a run on the default branch.\n",
    );
    await cli(repo, 'save');
    const missing = await cli(repo, 'show', 'docs');
    expect(missing).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "evalgate: no baseline for suite 'docs' in branch evalgate-baselines (stored: billing-qa, safety)\n",
    });
  });

  it('refuses a truncated Results document, naming it', async () => {
    const repo = project();
    writeFileSync(join(repo.dir, 'broken.json'), '{"schemaVersion": 1, "run": {');
    const r = await cli(repo, 'save', '--results', 'broken.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^evalgate: broken\.json: not valid JSON .*truncated or corrupt\n$/);
    const none = await cli(repo, 'save', '--results', 'nope.json');
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      "evalgate: config error: nope.json: Results document not found: run 'evalgate run' first, or pass --results FILE\n",
    );
  });

  it('refuses a corrupt stored baseline with exit 2 and the file', async () => {
    const repo = project();
    await cli(repo, 'save', '--store', 'path');
    writeFileSync(join(repo.dir, '.evalgate/baselines/safety.json'), '{"schemaVersion": 3}');
    const r = await cli(repo, 'show', 'safety', '--store', 'path');
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'evalgate: config error: .evalgate/baselines/safety.json: schemaVersion: baseline has schemaVersion 3, this evalgate reads 1: save the baseline again with this version\n',
    });
  });

  it.each([
    [[], /say what to do: save, show SUITE or list/],
    [['drop'], /unknown subcommand 'drop'/],
    [['show'], /baseline show takes one suite id/],
    [['list', 'extra'], /baseline list takes no arguments/],
    [['save', '--json'], /--json goes with 'baseline show' and 'baseline list'/],
    [['list', '--message', 'm'], /--message goes with 'baseline save'/],
    [['list', '--store', 'rerun'], /the 'rerun' store keeps no baselines/],
    [['list', '--store', 's3'], /--store 's3': Invalid option/],
    [['list', '--bogus'], /Unknown option '--bogus'/],
  ])('usage error %j → exit 2', async (argv, message) => {
    const repo = project();
    const r = await cli(repo, ...(argv as string[]));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('prints help', async () => {
    const repo = project();
    const r = await cli(repo, '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: evalgate baseline <save\|show\|list>/);
  });
});
