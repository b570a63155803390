import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createRepo } from '../helpers/git.js';

const cli = runCli;

// A tiny system under test: its "prompt" is answers.json, a component change detection knows.
const BOT = `let input = '';
process.stdin.on('data', (d) => (input += d)).on('end', () => {
  const { vars } = JSON.parse(input);
  const answers = JSON.parse(require('node:fs').readFileSync('answers.json', 'utf8'));
  process.stdout.write(JSON.stringify({ output: answers[vars.topic] ?? "I don't know." }));
});
`;

function project() {
  const repo = createRepo();
  repo.write({
    'evalgate.yml': [
      'targets:',
      '  bot: { type: command, command: [node, bot.cjs], components: [answers] }',
      'components:',
      '  answers: { kind: prompt, paths: [answers.json] }',
      'suites: [suites/*.yml]',
      'cache: { enabled: false }',
      'baseline: { store: path, path: .evalgate/baselines, privacy: raw }',
      // A process started per case: its latency is the machine's load, no budget's business here.
      'gate: { budgets: { latencyP95: { maxIncreasePct: null } } }',
      '',
    ].join('\n'),
    'bot.cjs': BOT,
    'answers.json': JSON.stringify({ refunds: 'Refunds take 30 days.', shipping: 'Shipping takes 5 days.' }),
    'suites/support.yml': [
      'id: support',
      'tier: trusted',
      'cases:',
      '  - { id: refunds, vars: { topic: refunds }, blocker: true, graders: [{ type: contains, value: 30 days }] }',
      '  - { id: shipping, vars: { topic: shipping }, graders: [{ type: contains, value: 5 days }] }',
      '',
    ].join('\n'),
    'README.md': 'docs\n',
  });
  repo.commit('base');
  return repo;
}

describe('evalgate run --base: plan, run the affected suites, compare with the stored baseline, gate', () => {
  it('fails the gate when a change breaks a blocker case that passed in the baseline', async () => {
    const repo = project();
    // On the default branch: a full run, saved as the baseline.
    expect((await cli(['run'], repo.dir)).code).toBe(0);
    const saved = await cli(['baseline', 'save'], repo.dir);
    expect(saved.code).toBe(0);

    repo.branch('change');
    repo.write({
      'answers.json': JSON.stringify({
        refunds: 'Refunds take 14 days.',
        shipping: 'Shipping takes 5 days.',
      }),
    });
    repo.commit('shorten the refund window');
    const r = await cli(['run', '--base', 'main'], repo.dir);
    expect(r.stderr).toContain('support');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ support / refunds');
    expect(r.stderr).toContain('evalgate: gate verdict: fail');
    expect(r.stdout).toMatch(/evalgate: fail/);
    const comparison = JSON.parse(readFileSync(join(repo.dir, 'evalgate-comparison.json'), 'utf8'));
    expect(comparison.verdict).toBe('fail');
    expect(comparison.reasons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          suite: 'support',
          case: 'refunds',
          level: 'fail',
          code: 'blocker-regressed',
        }),
      ]),
    );
    // Confirmed before it blocked: fresh samples fail on the change and pass on its base.
    expect(comparison.confirmation.blockers).toEqual([
      expect.objectContaining({
        case: 'refunds',
        outcome: 'regressed',
        current: { passed: 0, failed: 3, errors: 0 },
        base: { passed: 3, failed: 0, errors: 0 },
      }),
    ]);
  });

  it('runs nothing when the change touches nothing evaluated', async () => {
    const repo = project();
    repo.branch('docs');
    repo.write({ 'README.md': 'more docs\n' });
    repo.commit('docs only');
    const r = await cli(['run', '--base', 'main'], repo.dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Nothing to run');
    expect(r.stderr).toMatch(/nothing affected/i);
  });

  it('plans the working tree: an edit not yet committed is run and gated, never "nothing to run"', async () => {
    const repo = project();
    expect((await cli(['run'], repo.dir)).code).toBe(0);
    expect((await cli(['baseline', 'save'], repo.dir)).code).toBe(0);
    repo.branch('change');
    repo.commit('nothing yet');
    // Edited and staged, then edited again: the run reads the file on disk, so must the plan.
    repo.write({ 'answers.json': JSON.stringify({ refunds: 'Refunds take 30 days.', shipping: 'soon' }) });
    repo.git('add', 'answers.json');
    repo.write({ 'answers.json': JSON.stringify({ refunds: 'Refunds take 14 days.', shipping: 'soon' }) });
    const status = repo.git('status', '--porcelain');
    const staged = repo.git('diff', '--cached');

    const r = await cli(['run', '--base', 'main'], repo.dir);
    expect(r.stderr).toContain('...the working tree (');
    expect(r.stderr).toContain('head is the working tree: HEAD');
    expect(r.stdout).toContain('✗ support / refunds');
    expect(r.code).toBe(1);
    // The user's index and working tree are as they were (the run adds its own output files).
    expect(repo.git('diff', '--cached')).toBe(staged);
    expect(repo.git('status', '--porcelain', '--', 'answers.json')).toBe(
      status
        .split('\n')
        .filter((l) => l.endsWith('answers.json'))
        .join('\n'),
    );
    // The committed HEAD, named, has no change.
    const committed = await cli(['plan', '--base', 'main', '--head', 'HEAD'], repo.dir);
    expect(committed.stdout).toContain('Suites to run (0 of 1)');
  });

  describe('a pull request that edits the suite: compared case by case, never a silent green', () => {
    async function editSuite(gateSection?: string) {
      const repo = project();
      expect((await cli(['run'], repo.dir)).code).toBe(0);
      expect((await cli(['baseline', 'save'], repo.dir)).code).toBe(0);
      repo.branch('edit-suite');
      repo.write({
        'suites/support.yml': [
          'id: support',
          'tier: trusted',
          'cases:',
          '  - { id: refunds, vars: { topic: refunds }, blocker: true, graders: [{ type: contains, value: 30 days }] }',
          // Edited: a looser grader.
          '  - { id: shipping, vars: { topic: shipping }, graders: [{ type: contains, value: Shipping takes }] }',
          // Added.
          '  - { id: returns, vars: { topic: returns }, graders: [{ type: contains, value: "don\'t know" }] }',
          '',
        ].join('\n'),
        ...(gateSection && {
          'evalgate.yml': readFileSync(join(repo.dir, 'evalgate.yml'), 'utf8').replace(
            /^gate: \{ /m,
            `gate: { ${gateSection}, `,
          ),
        }),
      });
      repo.commit('edit and add a case');
      const r = await cli(['run', '--base', 'main'], repo.dir);
      const file = JSON.parse(readFileSync(join(repo.dir, 'evalgate-comparison.json'), 'utf8'));
      return { r, file };
    }

    it('runs the added and edited cases on the base too, and pairs them', async () => {
      const { r, file } = await editSuite();
      expect(file.edits).toMatchObject({
        status: 'ran',
        calls: 2,
        cases: [
          { suite: 'support', case: 'shipping', why: 'changed' },
          { suite: 'support', case: 'returns', why: 'new' },
        ],
        skipped: [],
      });
      const suite = file.comparison.suites[0];
      expect(suite.status).toBe('comparable');
      expect(suite.unpaired).toEqual([]);
      expect(suite.cases.comparable).toBe(3);
      expect(file.verdict).toBe('pass');
      expect(r.code).toBe(0);
    }, 60_000);

    it('with no budget for them, names the unverified cases and does not pass', async () => {
      const { r, file } = await editSuite('edits: { callBudget: 0 }');
      expect(file.edits).toMatchObject({ status: 'ran', calls: 0, cases: [] });
      expect(file.edits.skipped.map((c: { case: string }) => c.case)).toEqual(['shipping', 'returns']);
      expect(file.verdict).not.toBe('pass');
      const unpaired = file.reasons.find((x: { code: string }) => x.code === 'cases-unpaired');
      expect(unpaired.message).toMatch(/shipping/);
      expect(unpaired.message).toMatch(/returns/);
      expect(r.stdout).toMatch(/not run on the base commit/);
    }, 60_000);
  });
});
