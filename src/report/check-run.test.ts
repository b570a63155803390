import { describe, expect, it } from 'vitest';
import type { GateVerdict, Verdict } from '../gate/types.js';
import {
  annotationsFor,
  batchAnnotations,
  renderCheckRun,
  repoRelativePath,
  type Annotation,
  type CheckRunInput,
} from './check-run.js';
import {
  hostileFixture,
  hugeFixture,
  LINKS,
  promptRegression,
  structureProblems,
} from '../../test/kits/pr-fixtures.js';

const verdictOf = (verdict: GateVerdict): Verdict => ({
  schemaVersion: 1,
  verdict,
  reasons: [],
  counts: { info: 0, warn: 0, inconclusive: 0, fail: 0, error: 0 },
});

const base = (over: Partial<CheckRunInput> = {}): CheckRunInput => ({
  verdict: verdictOf('pass'),
  failOnInconclusive: false,
  name: 'evalgate',
  repoRoot: '/home/runner/work/app/app',
  ...over,
});

describe('renderCheckRun conclusion', () => {
  const cases: [GateVerdict, boolean, string][] = [
    ['pass', false, 'success'],
    ['warn', false, 'success'],
    ['inconclusive', false, 'neutral'],
    ['inconclusive', true, 'failure'],
    ['fail', false, 'failure'],
    ['error', false, 'failure'],
    ['pass', true, 'success'],
    ['warn', true, 'success'],
    ['fail', true, 'failure'],
    ['error', true, 'failure'],
  ];
  it.each(cases)('%s (failOnInconclusive %s) → %s', (verdict, failOnInconclusive, conclusion) => {
    const run = renderCheckRun(base({ verdict: verdictOf(verdict), failOnInconclusive }));
    expect(run.conclusion).toBe(conclusion);
    expect(run.name).toBe('evalgate');
    expect(run.title).toBe(`evalgate: ${verdict}`);
  });
});

describe('renderCheckRun for a prompt regression', () => {
  const f = promptRegression();
  const run = renderCheckRun({
    ...f,
    failOnInconclusive: false,
    name: 'evalgate / evals',
    repoRoot: '/repo',
    links: LINKS,
  });

  it('fails, says why in the title, and carries the report as its summary', () => {
    expect(run.conclusion).toBe('failure');
    expect(run.title).toBe('evalgate: fail (1 blocker case failing, 1 metric regressed)');
    expect(run.summary.length).toBeLessThanOrEqual(65_535);
    expect(run.summary).toContain('### ❌ Blocker failures (1)');
    expect(run.summary).toContain(
      '**Next step:** reproduce the failing case locally:\\\n→ `npx evalgate run',
    );
    expect(run.summary).not.toContain('<!-- evalgate:comment');
    expect(run.summary).not.toContain(LINKS.checkRun);
    expect(run.summary).toContain(LINKS.artifact);
    expect(structureProblems(run.summary, { links: Object.values(LINKS) })).toEqual([]);
  });

  it('annotates the failing blocker and the cases that got worse on their suite-file lines', () => {
    expect(run.annotations[0]).toEqual({
      path: 'suites/support.yml',
      start_line: 3,
      end_line: 3,
      annotation_level: 'failure',
      title: 'support/refund-policy',
      message:
        'blocker case fail (was pass) — expected: expected "within 30 days", got "refunds are never possible"',
    });
    const regressed = run.annotations.slice(1);
    expect(regressed.map((a) => a.title)).toEqual(
      ['support-001', 'support-002', 'support-003', 'support-005', 'support-008', 'support-009'].map(
        (id) => `support/${id}`,
      ),
    );
    // A trusted suite's regressions gate, so they fail; line = 3 + 4 × the case's index.
    expect(regressed.every((a) => a.annotation_level === 'failure')).toBe(true);
    expect(regressed[0]).toMatchObject({ start_line: 7, end_line: 7, path: 'suites/support.yml' });
    expect(regressed[0]!.message).toBe(
      'got worse: pass → fail — expected: expected the policy answer, got a guess (support-001)',
    );
  });

  it('makes a monitoring suite regression a warning, and puts failures first', () => {
    const g = promptRegression();
    const support = g.comparison!.suites.find((s) => s.id === 'support')!;
    support.tier = 'monitoring';
    // The blocker's reason stays at fail level in the verdict: still a failure.
    const annotations = annotationsFor({ ...g, repoRoot: '/repo' });
    expect(annotations.map((a) => a.annotation_level)).toEqual(['failure', ...Array(6).fill('warning')]);
  });

  it('makes a blocker the gate only warned about a warning', () => {
    const g = promptRegression();
    g.verdict = {
      ...g.verdict,
      reasons: g.verdict.reasons.map((r) => ({
        ...r,
        level: r.code.startsWith('blocker-') ? 'warn' : r.level,
      })),
    };
    expect(annotationsFor({ ...g, repoRoot: '/repo' })[6]).toMatchObject({
      title: 'support/refund-policy',
      annotation_level: 'warning',
    });
  });

  it('falls back to line 1 of the suite file when a case has no location, and skips cases without results', () => {
    const g = promptRegression();
    for (const c of g.results!.suites[0]!.cases) delete c.location;
    const annotations = annotationsFor({ ...g, repoRoot: '/repo' });
    expect(annotations[0]).toMatchObject({ path: 'suites/support.yml', start_line: 1, end_line: 1 });
    expect(annotationsFor({ ...g, results: undefined, repoRoot: '/repo' })).toEqual([]);
  });

  it('annotates failing blockers from the Results alone when there is no comparison', () => {
    const g = promptRegression();
    const annotations = annotationsFor({ verdict: g.verdict, results: g.results, repoRoot: '/repo' });
    expect(annotations).toEqual([
      expect.objectContaining({
        path: 'suites/support.yml',
        start_line: 3,
        annotation_level: 'failure',
        title: 'support/refund-policy',
        message: 'blocker case failed: expected: expected "within 30 days", got "refunds are never possible"',
      }),
    ]);
  });
});

describe('annotation paths', () => {
  it('makes locations repository-relative with forward slashes', () => {
    expect(repoRelativePath('suites/a.yml', '/repo')).toBe('suites/a.yml');
    expect(repoRelativePath('./suites/../suites/a.yml', '/repo')).toBe('suites/a.yml');
    expect(repoRelativePath('suites/a.yml', '/repo', 'services/bot')).toBe('services/bot/suites/a.yml');
    expect(repoRelativePath('suites\\win\\a.yml', '/repo', 'services\\bot')).toBe(
      'services/bot/suites/win/a.yml',
    );
    expect(repoRelativePath('/repo/suites/a.yml', '/repo/')).toBe('suites/a.yml');
    expect(repoRelativePath('C:\\work\\repo\\suites\\a.yml', 'c:\\work\\repo')).toBe('suites/a.yml');
  });

  it('refuses files outside the repository', () => {
    expect(repoRelativePath('/elsewhere/a.yml', '/repo')).toBeNull();
    expect(repoRelativePath('/repository/a.yml', '/repo')).toBeNull();
    expect(repoRelativePath('/Repo/a.yml', '/repo')).toBeNull();
    expect(repoRelativePath('../a.yml', '/repo')).toBeNull();
    expect(repoRelativePath('../../../a.yml', '/repo', 'services/bot')).toBeNull();
    expect(repoRelativePath('../../a.yml', '/repo', 'services/bot')).toBe('a.yml');
  });

  it('uses the plan root for relative locations', () => {
    const g = promptRegression();
    const annotations = annotationsFor({
      ...g,
      plan: { ...g.plan, root: 'apps/support' },
      repoRoot: '/repo',
    });
    expect(annotations[0]!.path).toBe('apps/support/suites/support.yml');
  });
});

describe('batchAnnotations', () => {
  const many = (n: number): Annotation[] =>
    Array.from({ length: n }, (_, i) => ({
      path: 'suites/a.yml',
      start_line: i + 1,
      end_line: i + 1,
      annotation_level: 'warning',
      title: `a/${i}`,
      message: 'worse',
    }));

  it('splits into requests of at most 50, in order', () => {
    const batches = batchAnnotations(many(120), 50);
    expect(batches.map((b) => b.length)).toEqual([50, 50, 20]);
    expect(batches.flat().map((a) => a.start_line)).toEqual(many(120).map((a) => a.start_line));
    expect(batchAnnotations(many(50)).map((b) => b.length)).toEqual([50]);
    expect(batchAnnotations([])).toEqual([]);
  });

  it('rejects a batch size GitHub could not take', () => {
    expect(() => batchAnnotations(many(3), 0)).toThrow(RangeError);
  });
});

describe('renderCheckRun limits', () => {
  it('keeps a huge report under 65,535 characters, and annotates every failing case', () => {
    const f = hugeFixture();
    const run = renderCheckRun({
      ...f,
      failOnInconclusive: false,
      name: 'evalgate',
      repoRoot: '/repo',
      links: LINKS,
      maxSummaryChars: 20_000,
    });
    expect(run.summary.length).toBeLessThanOrEqual(20_000);
    expect(run.summary).toContain(
      '✂️ **Shortened** to fit the 20,000-character limit of a check run summary',
    );
    expect(structureProblems(run.summary, { links: Object.values(LINKS) })).toEqual([]);
    const failing = f.comparison!.suites.flatMap((s) =>
      s.transitions.filter((t) => (t.blocker && t.current.status !== 'pass') || t.change === 'worse'),
    );
    expect(failing.length).toBeGreaterThan(700);
    expect(run.annotations.length).toBe(failing.length);
    expect(batchAnnotations(run.annotations).every((b) => b.length <= 50)).toBe(true);
  });

  it('keeps annotation text one line, neutralised and short', () => {
    const f = hostileFixture();
    const run = renderCheckRun({ ...f, failOnInconclusive: false, name: 'evalgate', repoRoot: '/repo' });
    expect(run.annotations.length).toBeGreaterThan(0);
    for (const a of run.annotations) {
      expect(a.message).not.toMatch(/[\n\r\u202e]/);
      expect(a.title).not.toMatch(/[\n\r]/);
      expect(Buffer.byteLength(a.message)).toBeLessThanOrEqual(64 * 1024);
      expect([...a.title].length).toBeLessThanOrEqual(255);
    }
    expect(structureProblems(run.summary)).toEqual([]);
  });

  it('cuts a long message to stay under 64 KiB', () => {
    const g = promptRegression();
    const blocker = g.comparison!.suites[0]!.transitions[0]!;
    blocker.failure = { graders: [{ grader: 'judge', reason: '💥'.repeat(100_000) }] };
    const [a] = annotationsFor({ ...g, repoRoot: '/repo' });
    expect([...a!.message].length).toBe(4096);
    expect(Buffer.byteLength(a!.message)).toBeLessThanOrEqual(64 * 1024);
  });
});
