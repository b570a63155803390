/**
 * Inputs for the PR report's tests (comment, check run, step summary): real documents,
 * made by the synthetic results, compare and gate, and Plans checked against PlanSchema so
 * they cannot drift from what `evalgate plan` writes.
 */
import { createBaselines } from '../../src/baseline/index.js';
import { compare } from '../../src/compare/compare.js';
import { withBaselineContext } from '../../src/pipeline/baseline-context.js';
import { createRng } from '../../src/compare/stats/rng.js';
import { syntheticResults, type SyntheticCase, type SyntheticRun } from './synthetic.js';
import type { ComparisonDocument } from '../../src/compare/types.js';
import { gate } from '../../src/gate/gate.js';
import { GatePolicySchema } from '../../src/gate/schema.js';
import type { Verdict } from '../../src/gate/types.js';
import { PlanSchema, type Plan } from '../../src/plan/types.js';
import type { ResultsDocument } from '../../src/results/types.js';
import type { ReportLinks } from '../../src/report/comment.js';
import { dimensionResults, workflowCases, type DimCase } from './dimensions.js';

export interface PrFixture {
  plan: Plan;
  comparison?: ComparisonDocument;
  verdict: Verdict;
  results?: ResultsDocument;
}

export const LINKS = {
  checkRun: 'https://github.com/acme/support-bot/runs/123',
  artifact: 'https://github.com/acme/support-bot/actions/runs/99/artifacts/7',
  stepSummary: 'https://github.com/acme/support-bot/actions/runs/99#summary-1',
  run: 'https://github.com/acme/support-bot/actions/runs/99',
} satisfies ReportLinks;

export const stable = (n: number, prefix: string, extra: Partial<SyntheticCase> = {}): SyntheticCase[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${String(i + 1).padStart(3, '0')}`,
    pass: i % 17 === 5 ? 0 : 1,
    latencyMs: 800 + (i % 7) * 50,
    tokens: 420,
    cost: 0.0006,
    ...extra,
  }));

/** Compare and gate two synthetic runs; the current run's Results get case locations (line 3 + 4 per case). */
export function pipeline(
  base: SyntheticRun,
  cur: SyntheticRun,
  policy: unknown = {},
  privacy: 'raw' | 'redacted' | 'hash' = 'redacted',
): { comparison: ComparisonDocument; verdict: Verdict; results: ResultsDocument } {
  const p = GatePolicySchema.parse(policy);
  const rng = createRng(2024);
  const baseline = syntheticResults(base, rng);
  const results = syntheticResults(cur, rng);
  for (const s of results.suites)
    s.cases.forEach((c, i) => {
      c.location = { file: s.file, line: 3 + 4 * i };
    });
  // As `evalgate run --base` does: the stored baselines' history, privacy and outputs added.
  const stored = new Map(createBaselines(baseline, { privacy }).map((b) => [b.suite, b]));
  const sources = Object.fromEntries([...stored.keys()].map((id) => [id, 'store' as const]));
  const comparison = withBaselineContext(
    compare(baseline, results, { thresholds: p, staleAfterDays: p.baseline.maxAgeDays }),
    stored,
    sources,
    baseline,
  );
  return { comparison, verdict: gate(comparison, p), results };
}

const REVISIONS = {
  base: { ref: 'main', sha: '3f0d6347f27e22e8eb62b6d43fb408fd3d734928' },
  head: { ref: 'prompt-tweak', sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' },
  mergeBase: '3f0d6347f27e22e8eb62b6d43fb408fd3d734928',
  config: 'evalgate.yml',
  root: '.',
};

export function plan(fields: Partial<Plan>): Plan {
  return PlanSchema.parse({
    schemaVersion: 1,
    ...REVISIONS,
    summary: '',
    changes: [],
    files: [],
    suites: [],
    unaffected: [],
    removed: [],
    components: {},
    targets: {},
    warnings: [],
    ...fields,
  });
}

const BROKEN = new Set([
  'support-001',
  'support-002',
  'support-003',
  'support-005',
  'support-008',
  'support-009',
]);

/** A prompt edit that breaks a blocker case and regresses the trusted `support` suite. */
export function promptRegression(): PrFixture {
  const base: SyntheticRun = {
    id: 'base',
    finishedAt: '2026-01-13T08:00:00.000Z',
    gitSha: REVISIONS.base.sha,
    components: { 'prompt:support': { kind: 'prompt', version: 'p-1a2b' } },
    suites: [
      {
        id: 'support',
        cases: [{ id: 'refund-policy', pass: 1, blocker: true, latencyMs: 900 }, ...stable(60, 'support')],
      },
      { id: 'tone', tier: 'monitoring', cases: stable(40, 'tone') },
    ],
  };
  const cur: SyntheticRun = {
    ...base,
    id: 'head',
    finishedAt: '2026-01-15T12:00:00.000Z',
    gitSha: REVISIONS.head.sha,
    components: { 'prompt:support': { kind: 'prompt', version: 'p-9f8e' } },
    suites: [
      {
        id: 'support',
        cases: [
          {
            id: 'refund-policy',
            pass: 0,
            blocker: true,
            latencyMs: 1100,
            failReason: 'expected "within 30 days", got "refunds are never possible"',
            output: 'I am sorry, but refunds are never possible once an order has shipped.',
          },
          ...stable(60, 'support', { latencyMs: 1100 }).map((c) =>
            BROKEN.has(c.id)
              ? { ...c, pass: 0, failReason: `expected the policy answer, got a guess (${c.id})` }
              : c,
          ),
        ],
      },
      { id: 'tone', tier: 'monitoring', cases: stable(40, 'tone') },
    ],
  };
  const p = plan({
    summary: '2 of 3 suites run: prompt prompt:support changed',
    changes: [
      {
        component: 'prompt:support',
        kind: 'prompt',
        status: 'modified',
        old: 'p-1a2b',
        new: 'p-9f8e',
        files: ['prompts/support.md'],
      },
    ],
    files: [
      {
        path: 'prompts/support.md',
        status: 'modified',
        binary: false,
        components: ['prompt:support'],
        unclassified: false,
      },
    ],
    suites: [
      {
        id: 'support',
        target: 'app',
        kind: 'regression',
        file: 'suites/support.yml',
        reasons: [
          { type: 'component', component: 'prompt:support', kind: 'prompt', old: 'p-1a2b', new: 'p-9f8e' },
        ],
      },
      {
        id: 'tone',
        target: 'app',
        kind: 'regression',
        file: 'suites/tone.yml',
        reasons: [{ type: 'dependsOn', pattern: 'prompts/**', path: 'prompts/support.md' }],
      },
    ],
    unaffected: ['billing'],
    removed: [{ id: 'legacy', file: 'suites/legacy.yml' }],
    components: { 'prompt:support': { kind: 'prompt', version: 'p-9f8e' } },
  });
  const gated = pipeline(base, cur);
  // The default branch's last baselines of `support`: a slow slide, then this PR's drop.
  const support = gated.comparison!.suites.find((s) => s.id === 'support')!;
  support.history = [
    { passRate: 0.967, day: '01-02' },
    { passRate: 0.967, day: '01-05' },
    { passRate: 0.951, day: '01-07' },
    { passRate: 0.951, day: '01-09' },
    { passRate: 0.934, day: '01-11' },
    { passRate: 57 / 61, day: '01-13' },
  ].map((h, i) => ({
    commit: i === 5 ? REVISIONS.base.sha : `${i + 1}`.repeat(7) + 'abcdef0123456789abcdef0123456789a',
    recordedAt: `2026-${h.day}T08:00:00.000Z`,
    passRate: h.passRate,
    cases: 61,
  }));
  return { plan: p, ...gated };
}

/** `support`'s pass rate over the last baselines, oldest first, the one compared with last. */
function slide(
  rates: number[],
  lastSha: string,
): NonNullable<ComparisonDocument['suites'][number]['history']> {
  return rates.map((passRate, i) => ({
    commit: i === rates.length - 1 ? lastSha : `${i + 1}`.repeat(7) + 'abcdef0123456789abcdef0123456789a',
    recordedAt: `2026-01-${String(2 + 2 * i).padStart(2, '0')}T08:00:00.000Z`,
    passRate,
    cases: 61,
  }));
}

/**
 * A model change that lowers `support` a little more, after a slow slide over the last
 * baselines: no blocker fails, the trusted suite regresses; the baselines keep outputs
 * only as hashes (`privacy: hash`).
 */
export function slowSlide(): PrFixture {
  const broken = new Set([
    'support-002',
    'support-004',
    'support-007',
    'support-011',
    'support-013',
    'support-016',
  ]);
  const base: SyntheticRun = {
    id: 'base',
    finishedAt: '2026-01-13T08:00:00.000Z',
    gitSha: REVISIONS.base.sha,
    components: { 'model:support': { kind: 'model', version: 'm-4o' } },
    suites: [{ id: 'support', cases: stable(120, 'support') }],
  };
  const cur: SyntheticRun = {
    ...base,
    id: 'head',
    finishedAt: '2026-01-15T12:00:00.000Z',
    gitSha: REVISIONS.head.sha,
    components: { 'model:support': { kind: 'model', version: 'm-4o-mini' } },
    suites: [
      {
        id: 'support',
        cases: stable(120, 'support').map((c) =>
          broken.has(c.id)
            ? {
                ...c,
                pass: 0,
                failReason: `expected the refund window, got none (${c.id})`,
                output: 'Please contact support.',
              }
            : c,
        ),
      },
    ],
  };
  const gated = pipeline(base, cur, {}, 'hash');
  gated.comparison.suites[0]!.history = slide(
    [0.992, 0.983, 0.975, 0.967, 0.958, 113 / 120],
    REVISIONS.base.sha,
  );
  const p = plan({
    changes: [
      {
        component: 'model:support',
        kind: 'model',
        status: 'modified',
        old: 'm-4o',
        new: 'm-4o-mini',
        files: ['models/support.yml'],
      },
    ],
    suites: [
      {
        id: 'support',
        target: 'app',
        kind: 'regression',
        file: 'suites/support.yml',
        reasons: [
          { type: 'component', component: 'model:support', kind: 'model', old: 'm-4o', new: 'm-4o-mini' },
        ],
      },
    ],
  });
  return { plan: p, ...gated };
}

/** A prompt edit on a suite too small to tell: nothing fails, and no change can be shown either way. */
export function noClearChange(): PrFixture {
  const base: SyntheticRun = {
    id: 'base',
    finishedAt: '2026-01-13T08:00:00.000Z',
    gitSha: REVISIONS.base.sha,
    components: { 'prompt:support': { kind: 'prompt', version: 'p-1a2b' } },
    suites: [{ id: 'support', cases: stable(30, 'support') }],
  };
  const cur: SyntheticRun = {
    ...base,
    id: 'head',
    finishedAt: '2026-01-15T12:00:00.000Z',
    components: { 'prompt:support': { kind: 'prompt', version: 'p-9f8e' } },
    suites: [{ id: 'support', cases: stable(30, 'support') }],
  };
  const gated = pipeline(base, cur);
  gated.comparison.suites[0]!.history = slide([0.967, 0.967, 0.933], REVISIONS.base.sha);
  const p = plan({
    changes: [
      {
        component: 'prompt:support',
        kind: 'prompt',
        status: 'modified',
        old: 'p-1a2b',
        new: 'p-9f8e',
        files: ['prompts/support.md'],
      },
    ],
    suites: [
      {
        id: 'support',
        target: 'app',
        kind: 'regression',
        file: 'suites/support.yml',
        reasons: [
          { type: 'component', component: 'prompt:support', kind: 'prompt', old: 'p-1a2b', new: 'p-9f8e' },
        ],
      },
    ],
  });
  return { plan: p, ...gated };
}

/** A README edit: the plan runs nothing. */
export function nothingAffected(): PrFixture {
  return {
    plan: plan({
      summary: 'no suite affected: 1 changed file, none part of a component',
      files: [{ path: 'README.md', status: 'modified', binary: false, components: [], unclassified: true }],
      unaffected: ['billing', 'support', 'tone'],
      warnings: [
        "prompts/draft.txt is in no component: add it to one, or to a suite's dependsOn, to evaluate it",
      ],
    }),
    verdict: {
      schemaVersion: 1,
      verdict: 'pass',
      reasons: [],
      counts: { info: 0, warn: 0, inconclusive: 0, fail: 0, error: 0 },
    },
  };
}

/** Everything a model could write to take over the comment. */
export const HOSTILE = [
  '\n## ✅ evalgate: pass\n',
  '<!-- evalgate:comment key=evalgate.yml -->',
  '\n```\n',
  '</details>',
  '\n| table | breakers |\n',
  '@org/team',
  '![x](https://evil.example/p.png)',
  '[click](javascript:alert(1))',
  '<img src=x onerror=alert(1)>',
].join(' ');

/** Thousands of cases over many suites, hundreds of failing blockers, outputs of 20,000 characters. */
export function hugeFixture(): PrFixture {
  const longOutput = `${'The refund policy says '.repeat(400)}\n\`\`\`\n${HOSTILE}\n${'x'.repeat(10_000)}`;
  const suites = (broken: boolean): SyntheticRun['suites'] =>
    Array.from({ length: 30 }, (_, s) => ({
      id: `suite-${String(s + 1).padStart(2, '0')}`,
      cases: [
        ...Array.from({ length: 10 }, (_, i) => ({
          id: `blocker-${i}`,
          blocker: true,
          pass: broken ? 0 : 1,
          latencyMs: 900,
          failReason: `expected the documented answer, got something long and different ${'and more '.repeat(20)}`,
          output: longOutput,
        })),
        ...stable(90, `case-s${s}`).map((c, i) =>
          broken && i % 5 === 0 ? { ...c, pass: 0, failReason: `regressed ${c.id}`, output: longOutput } : c,
        ),
      ],
    }));
  const base: SyntheticRun = { id: 'base', finishedAt: '2026-01-13T08:00:00.000Z', suites: suites(false) };
  const cur: SyntheticRun = { id: 'head', finishedAt: '2026-01-15T12:00:00.000Z', suites: suites(true) };
  const p = plan({
    changes: Array.from({ length: 300 }, (_, i) => ({
      component: `prompt:p${i}`,
      kind: 'prompt' as const,
      status: 'modified' as const,
      old: `v${i}a`,
      new: `v${i}b`,
      files: [`prompts/p${i}.md`],
    })),
    suites: Array.from({ length: 30 }, (_, s) => ({
      id: `suite-${String(s + 1).padStart(2, '0')}`,
      target: 'app',
      kind: 'regression' as const,
      file: `suites/suite-${s + 1}.yml`,
      reasons: [{ type: 'always' as const }],
    })),
  });
  return { plan: p, ...pipeline(base, cur) };
}

/** Hostile text in case ids, grader reasons, outputs, plan component names and paths. */
export function hostileFixture(): PrFixture {
  const base: SyntheticRun = {
    id: 'base',
    finishedAt: '2026-01-13T08:00:00.000Z',
    suites: [
      {
        id: 'support',
        cases: [
          { id: `blocker ${HOSTILE}`, pass: 1, blocker: true },
          { id: `case ${HOSTILE}`, pass: 1 },
          ...stable(40, 'support'),
        ],
      },
    ],
  };
  const cur: SyntheticRun = {
    ...base,
    id: 'head',
    finishedAt: '2026-01-15T12:00:00.000Z',
    suites: [
      {
        id: 'support',
        cases: [
          { id: `blocker ${HOSTILE}`, pass: 0, blocker: true, failReason: HOSTILE, output: HOSTILE },
          { id: `case ${HOSTILE}`, pass: 0, failReason: HOSTILE, output: `${HOSTILE}\n${HOSTILE}` },
          ...stable(40, 'support').map((c, i) =>
            i < 8 ? { ...c, pass: 0, failReason: HOSTILE, output: HOSTILE } : c,
          ),
        ],
      },
    ],
  };
  const p = plan({
    changes: [
      {
        component: `prompt:${HOSTILE}`,
        kind: 'prompt',
        status: 'modified',
        old: HOSTILE,
        new: 'v2',
        files: ['prompts/x.md'],
      },
    ],
    suites: [
      {
        id: 'support',
        target: 'app',
        kind: 'regression',
        file: 'suites/support.yml',
        reasons: [
          { type: 'dependsOn', pattern: HOSTILE, path: HOSTILE },
          { type: 'component', component: HOSTILE, kind: 'prompt', old: HOSTILE, new: null },
        ],
      },
    ],
  });
  return { plan: p, ...pipeline(base, cur) };
}

// ---------------------------------------------------------------- well-formedness

/** Fenced code blocks removed (CommonMark rules: a closing fence is at least as long, backticks only). */
export function withoutFences(md: string): { text: string; unclosed: boolean } {
  const out: string[] = [];
  let open: string | null = null;
  for (const line of md.split('\n')) {
    const m = /^ {0,3}(`{3,})(.*)$/.exec(line);
    if (open === null) {
      if (m) open = m[1]!;
      else out.push(line);
    } else if (m && m[1]!.length >= open.length && m[2]!.trim() === '') {
      open = null;
    }
  }
  return { text: out.join('\n'), unclosed: open !== null };
}

/**
 * Inline code spans removed, scanning left to right as CommonMark does: a backslash escapes
 * the next character (an escaped backtick opens nothing), a run of n backticks opens a span
 * that the next run of exactly n closes; an unmatched run is literal text.
 */
export function withoutCodeSpans(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\') {
      out += text.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c !== '`') {
      out += c;
      i++;
      continue;
    }
    let n = 0;
    while (text[i + n] === '`') n++;
    const close = new RegExp(`(?<!\`)\`{${n}}(?!\`)`, 'g');
    close.lastIndex = i + n;
    const m = close.exec(text);
    if (m) {
      i = m.index + n;
    } else {
      out += text.slice(i, i + n);
      i += n;
    }
  }
  return out;
}

/**
 * What the adversarial tests hold every rendered report to; returns the problems found.
 * `links` are the only `](http` allowed, our own.
 */
export function structureProblems(md: string, opts: { marker?: string; links?: string[] } = {}): string[] {
  const problems: string[] = [];
  const { text, unclosed } = withoutFences(md);
  if (unclosed) problems.push('a code fence is left open');
  const prose = withoutCodeSpans(text);
  const headlines = prose.split('\n').filter((l) => /^#{1,6}\s.*evalgate:/.test(l));
  if (headlines.length !== 1)
    problems.push(`${headlines.length} verdict headlines: ${JSON.stringify(headlines)}`);
  const markers = md.split('<!-- evalgate:comment').length - 1;
  if (opts.marker !== undefined) {
    if (markers !== 1) problems.push(`${markers} markers`);
    if (!md.startsWith(`${opts.marker}\n`)) problems.push('the marker is not the first line');
  } else if (markers !== 0) problems.push(`${markers} markers`);
  let depth = 0;
  for (const m of prose.matchAll(/<(\/?)details>/g)) {
    depth += m[1] ? -1 : 1;
    if (depth < 0) problems.push('</details> before <details>');
  }
  if (depth !== 0) problems.push(`<details> unbalanced by ${depth}`);
  // GFM splits table cells on every unescaped pipe, code spans or not.
  let columns = -1;
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) {
      columns = -1;
      continue;
    }
    const cells = line.replace(/\\./g, '').split('|').length;
    if (columns === -1) columns = cells;
    else if (cells !== columns)
      problems.push(`table row with ${cells - 2} cells, not ${columns - 2}: ${line.slice(0, 60)}`);
  }
  const mention = /(^|[^\w`])@[A-Za-z0-9_]/.exec(prose);
  if (mention)
    problems.push(`live mention near ${JSON.stringify(prose.slice(mention.index, mention.index + 30))}`);
  const allowed = new Set((opts.links ?? []).map((l) => `](${l})`));
  for (const m of prose.matchAll(/\]\(https?:[^)\s]*\)?/g))
    if (!allowed.has(m[0])) problems.push(`link or image from text: ${m[0]}`);
  const html = /<(?!\/?(details|summary|sub)>)[A-Za-z!/]/.exec(
    opts.marker ? prose.slice(opts.marker.length) : prose,
  );
  if (html) problems.push(`raw HTML: ${JSON.stringify(prose.slice(html.index, html.index + 30))}`);
  return problems;
}

/**
 * A model change that writes better summaries and worse-grounded answers, in one trusted
 * suite of 30 summarize and 30 rag-answer cases: usefulness of summaries 18/30 → 30/30,
 * grounding of answers 28/30 → 17/30; the suite's pass rate moves 46/60 → 47/60. The answers
 * also stop abstaining (6 of 30 → 0) and call their search tool twice as often.
 */
export function modelTradeOff(): PrFixture {
  const run = (summaries: string, grounded: string, abstain: number, calls: number, id: string) => {
    const cases: DimCase[] = [
      ...workflowCases('summarize', 30, { correctness: 'P', usefulness: summaries }),
      ...workflowCases('rag-answer', 30, { correctness: 'P', grounding: grounded }).map((c, i) => ({
        ...c,
        abstained: i >= 30 - abstain,
        toolCalls: calls,
      })),
    ];
    const doc = dimensionResults([{ id: 'assistant', cases }], id);
    doc.run.gitSha = id === 'base' ? REVISIONS.base.sha : REVISIONS.head.sha;
    doc.run.components = {
      'model:assistant': { kind: 'model', version: id === 'base' ? 'gpt-4o-mini' : 'gpt-4.1-mini' },
    };
    return doc;
  };
  const baseline = run(`${'P'.repeat(18)}${'F'.repeat(12)}`, `${'P'.repeat(28)}FF`, 6, 1, 'base');
  const results = run('P'.repeat(30), `${'P'.repeat(17)}${'F'.repeat(13)}`, 0, 2, 'head');
  const policy = GatePolicySchema.parse({});
  const comparison = compare(baseline, results, { thresholds: policy });
  const p = plan({
    changes: [
      {
        component: 'model:assistant',
        kind: 'model',
        status: 'modified',
        old: 'gpt-4o-mini',
        new: 'gpt-4.1-mini',
        files: ['models/assistant.yml'],
      },
    ],
    suites: [
      {
        id: 'assistant',
        target: 'app',
        kind: 'regression',
        file: 'suites/assistant.yml',
        reasons: [
          {
            type: 'component',
            component: 'model:assistant',
            kind: 'model',
            old: 'gpt-4o-mini',
            new: 'gpt-4.1-mini',
          },
        ],
      },
    ],
  });
  return { plan: p, comparison, verdict: gate(comparison, policy), results };
}
