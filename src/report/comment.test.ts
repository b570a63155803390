import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commentMarker, hasMarker, renderPrComment, renderReport } from './comment.js';
import {
  hostileFixture,
  hugeFixture,
  LINKS,
  modelTradeOff,
  nothingAffected,
  plan,
  noClearChange,
  promptRegression,
  slowSlide,
  structureProblems,
  withoutFences,
} from '../../test/kits/pr-fixtures.js';

/** Same mechanism as markdown.test.ts: `UPDATE_GOLDEN=1 npx vitest run src/report` rewrites them. */
function golden(name: string, actual: string): void {
  const file = new URL(`./__golden__/${name}.md`, import.meta.url);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file))
    throw new Error(`missing golden file __golden__/${name}.md: run with UPDATE_GOLDEN=1 to write it`);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

const KEY = 'evalgate.yml';

/** Body rows of each markdown table, in order. */
function tableRowCounts(md: string): number[] {
  return md
    .split(/\n\n/)
    .filter((p) => p.startsWith('|'))
    .map((t) => t.split('\n').length - 2);
}
const LINK_URLS = Object.values(LINKS);

describe('commentMarker / hasMarker', () => {
  it('carries the key, with anything that could end the HTML comment encoded', () => {
    expect(commentMarker('evalgate.yml')).toBe('<!-- evalgate:comment key=evalgate.yml -->');
    expect(commentMarker('a-->b <c>\n%')).toBe('<!-- evalgate:comment key=a--%3Eb%20%3Cc%3E%0A%25 -->');
    expect(commentMarker('a-->b')).not.toBe(commentMarker('a--%3Eb'));
  });

  it('finds our comment by its first line only, and only for its key', () => {
    const body = renderPrComment({ ...promptRegression(), key: 'services/a/evalgate.yml', links: LINKS });
    expect(hasMarker(body, 'services/a/evalgate.yml')).toBe(true);
    expect(hasMarker(body, 'evalgate.yml')).toBe(false);
    expect(hasMarker(`quoting you:\n${commentMarker('evalgate.yml')}`, 'evalgate.yml')).toBe(false);
    expect(hasMarker(`${commentMarker('evalgate.yml')}\r\nbody`, 'evalgate.yml')).toBe(true);
  });
});

describe('renderPrComment (golden)', () => {
  it('a prompt regression: a failing blocker and a regressed trusted suite', () => {
    const body = renderPrComment({ ...promptRegression(), key: KEY, links: LINKS });
    golden('comment-regression', body);
    expect(structureProblems(body, { marker: commentMarker(KEY), links: LINK_URLS })).toEqual([]);
    // The change is stated once (it used to be four times: change list, reasons, note, baseline).
    expect(body.split('p-1a2b').length - 1).toBe(1);
    // The first screen: verdict, why (the blocker first), next step, before any section.
    const first = body.slice(0, body.indexOf('\n### '));
    expect(first).toContain('## ❌ evalgate: fail');
    expect(first).toContain('**Why:** blocker case `support` / `refund-policy` fails');
    expect(first).toContain('→ `npx evalgate run --suite support --filter id=refund-policy`');
  });

  it('nothing affected: a short comment that still says what changed', () => {
    const body = renderPrComment({ ...nothingAffected(), key: KEY, links: LINKS });
    golden('comment-nothing-affected', body);
    expect(body).toContain('**Change:** nothing evaluated changed (1 changed file');
    expect(body).toContain('**Why:** nothing evaluated is affected by this change');
    expect(body).not.toContain('### Suites');
  });

  it('nothing affected, with changes no suite depends on', () => {
    const f = nothingAffected();
    f.plan = plan({
      ...f.plan,
      changes: [
        {
          component: 'tool:lookup',
          kind: 'tool',
          status: 'modified',
          old: 't-1',
          new: 't-2',
          files: ['tools.json'],
        },
      ],
    });
    const body = renderPrComment({ ...f, key: KEY, links: {} });
    expect(body).toContain('**Change:** tool `tool:lookup` `t-1`\u00a0→\u00a0`t-2` · 0 of 3 suites ran.');
    expect(body).not.toContain('](');
  });

  it("no baseline: the run's own results, blockers first", () => {
    const f = promptRegression();
    const body = renderPrComment({
      plan: f.plan,
      results: f.results,
      verdict: {
        schemaVersion: 1,
        verdict: 'fail',
        reasons: [
          {
            level: 'fail',
            code: 'blocker-new-failing',
            suite: 'support',
            case: 'refund-policy',
            message: 'blocker case fails',
          },
          { level: 'inconclusive', code: 'nothing-compared', message: 'no baseline to compare with' },
        ],
        counts: { info: 0, warn: 0, inconclusive: 1, fail: 1, error: 0 },
      },
      key: KEY,
      links: LINKS,
    });
    golden('comment-no-baseline', body);
    expect(structureProblems(body, { marker: commentMarker(KEY), links: LINK_URLS })).toEqual([]);
    expect(body.indexOf('### ❌ Blocker failures')).toBeLessThan(body.indexOf('### Suites\n'));
    expect(body).not.toContain('blocker case fails');
    expect(body).toContain(
      '**Next step:** reproduce the failing case locally:\\\n→ `npx evalgate run --suite support --filter id=refund-policy`',
    );
  });

  it('a model change that trades grounded answers for better summaries: a trade-off, not a small average move', () => {
    const f = modelTradeOff();
    const body = renderPrComment({ ...f, key: KEY, links: LINKS });
    golden('comment-trade-off', body);
    expect(structureProblems(body, { marker: commentMarker(KEY), links: LINK_URLS })).toEqual([]);
    expect(f.verdict.verdict).toBe('warn');
    // On the first screen, right under the why: which cells moved, each way.
    const first = body.slice(0, body.indexOf('\n### '));
    const lines = first.split('\n\n');
    const why = lines.findIndex((l) => l.startsWith('**Why:**'));
    expect(lines[why]).toMatch(
      /^\*\*Why:\*\* the change trades one dimension or workflow against another; also `assistant`: abstention rate fell 100\.0%, 10\.0% → 0\.0% /,
    );
    expect(lines[why + 1]).toBe(
      '**Trade-off, needs a product decision:** in `assistant`, usefulness of `summarize` 60.0%\u00a0→\u00a0100.0% improved while grounding of `rag-answer` 93.3%\u00a0→\u00a056.7% regressed (each significant; cells below).',
    );
    expect(lines[why + 2]).toMatch(/^\*\*Next step:\*\* decide whether this trade is wanted/);
    // The cells, per dimension and workflow, with the suite's own rows above them.
    expect(body.indexOf('### Suites')).toBeLessThan(body.indexOf('### By dimension and workflow'));
    const table = body.split('\n');
    const grounding = table.findIndex((l) => /^\| +\| grounding /.test(l));
    // The workflow's cell sits under its dimension's.
    const row = table[grounding + 1];
    expect(row).toContain('↳\u00a0`rag-answer`');
    expect(row).toMatch(/93\.3%\u00a0→\u00a056\.7% \| +-36\.7\u00a0pp \| 🔻\u00a0regressed +\|$/);
    expect(body).toContain('### Latency, tokens, cost, tool calls and abstention');
  });

  it('no trade-off line when nothing traded', () => {
    const body = renderPrComment({ ...slowSlide(), key: KEY, links: LINKS });
    expect(body).not.toContain('Trade-off');
  });

  it('a slow slide: no blocker, a regressed trusted suite, its trend, baselines kept as hashes', () => {
    const body = renderPrComment({ ...slowSlide(), key: KEY, links: LINKS });
    golden('comment-regressed-hash', body);
    expect(structureProblems(body, { marker: commentMarker(KEY), links: LINK_URLS })).toEqual([]);
    expect(body).toMatch(/\*\*Why:\*\* gating metric regressed: `support` pass rate /);
    expect(body).toContain(
      'reproduce the case that fell furthest locally:\\\n→ `npx evalgate run --suite support --filter id=',
    );
    expect(body).toContain('```mermaid\nxychart-beta\n');
    expect(body).toContain('_not kept: the baseline stores outputs as hashes (`privacy: hash`)_');
  });

  it('no clear change: a pass that says it could not tell, not a bare pass', () => {
    const f = noClearChange();
    expect(f.verdict.verdict).toBe('pass');
    const body = renderPrComment({ ...f, key: KEY, links: LINKS });
    golden('comment-pass-no-clear-change', body);
    expect(body).toContain('## ✅ evalgate: pass — no blocker failed, no clear change');
    expect(body).not.toContain('🔻');
  });

  it('adversarial model output stays inert', () => {
    const body = renderPrComment({ ...hostileFixture(), key: KEY, links: LINKS });
    golden('comment-adversarial', body);
    expect(structureProblems(body, { marker: commentMarker(KEY), links: LINK_URLS })).toEqual([]);
    expect(
      withoutFences(body)
        .text.split('\n')
        .filter((l) => l.startsWith('## ')),
    ).toEqual(['## ❌ evalgate: fail']);
  });
});

describe('renderPrComment size budget', () => {
  const huge = hugeFixture();

  it('caps every table of a huge report, and the notes under them count the rest by suite', () => {
    const body = renderPrComment({ ...huge, key: KEY, links: LINKS });
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(structureProblems(body, { marker: commentMarker(KEY), links: LINK_URLS })).toEqual([]);
    expect(body).toContain('## ❌ evalgate: fail');
    expect(body).not.toContain('Shortened');
    expect(body).toContain('### ❌ Blocker failures (300)');
    expect(body).toContain(
      '…and 275 more blocker failures: 5 in `suite-03`, 10 in `suite-04`, 10 in `suite-05`, 10 in `suite-06`, 10 in `suite-07`, and 23 more suites.',
    );
    // The suite and usage tables, the blocker and worse-case lists: 25 rows each, the rest counted.
    expect(tableRowCounts(body)).toEqual([25, 25]);
    expect(body.split('\n').filter((l) => l.startsWith('  - `blocker-'))).toHaveLength(25);
    expect(body.split('\n').filter((l) => l.startsWith('  - `case-'))).toHaveLength(25);
    expect(body).toContain('…and 485 more cases that got worse: 9 in `suite-02`, 17 in `suite-03`,');
    golden('comment-huge', body);
  });

  it('a shortened comment cuts every table to what its notice says', () => {
    const body = renderPrComment({ ...huge, key: KEY, links: LINKS, maxChars: 20_000 });
    expect(body.length).toBeLessThanOrEqual(20_000);
    expect(structureProblems(body, { marker: commentMarker(KEY), links: LINK_URLS })).toEqual([]);
    expect(body).toContain(
      '> ✂️ **Shortened** to fit the 20,000-character limit of a PR comment: detail sections are folded, every table and list cut to its first 10 rows',
    );
    expect(body).toContain('…and 290 more blocker failures: 10 in `suite-02`,');
    for (const rows of tableRowCounts(body)) expect(rows).toBeLessThanOrEqual(10);
    for (const list of body.split(/\n\n/).filter((p) => p.startsWith('- '))) {
      // A list grouped by suite counts its cases (the nested items), a flat one its items.
      const lines = list.split('\n').filter((l) => !/^ *- …and/.test(l));
      const nested = lines.filter((l) => l.startsWith('  - '));
      expect((nested.length ? nested : lines).length).toBeLessThanOrEqual(10);
    }
    golden('comment-huge-shortened', body);
  });

  it('takes the first step that fits, and every step is well-formed', () => {
    // Measured on this fixture: full 41,761 characters, folded 32,182, trimmed 12,775,
    // pointer 6,113; below that the tables are cut.
    const expected: [number, number][] = [
      [200_000, 0],
      [40_000, 1],
      [30_000, 2],
      [12_000, 3],
      [6_000, 4],
      [3_000, 4],
      [600, 4],
      [120, 4],
      [10, 4],
    ];
    for (const [max, level] of expected) {
      const r = renderReport(
        { ...huge, links: LINKS },
        { max, measure: (t) => t.length, limitLabel: 'the limit', prefix: `${commentMarker(KEY)}\n\n` },
      );
      expect(r.level, `max ${max}`).toBe(level);
      expect(r.body.length, `max ${max}`).toBeLessThanOrEqual(max);
      if (max >= 600) {
        expect(
          structureProblems(r.body, { marker: commentMarker(KEY), links: LINK_URLS }),
          `max ${max}`,
        ).toEqual([]);
      }
      expect(withoutFences(r.body).unclosed).toBe(false);
      expect(r.body.startsWith(commentMarker(KEY).slice(0, Math.min(max - 1, 20)))).toBe(true);
    }
  });

  it('collapses detail sections into <details> at step 1', () => {
    const f = promptRegression();
    const full = renderReport(f, { max: Infinity, measure: (t) => t.length, limitLabel: 'x' });
    const collapsed = renderReport(f, {
      max: full.body.length - 1,
      measure: (t) => (t.includes('<details><summary>Cases that got worse (6)</summary>') ? 0 : t.length),
      limitLabel: 'the limit',
    });
    expect(collapsed.level).toBe(1);
    expect(collapsed.body).toContain('<details><summary>Reasons</summary>');
    expect(collapsed.body).toContain('### ❌ Blocker failures (1)');
    expect(collapsed.body).toContain('### Suites');
    expect(collapsed.body).toContain('detail sections are folded');
  });
});

describe('structureProblems (the adversarial checker itself)', () => {
  const marker = commentMarker(KEY);
  const ok = `${marker}\n\n## ❌ evalgate: fail\n\n| a | b |\n| - | - |\n| \`x|y\` ok | \\| |\n\n\`@inert\` and @\u200dinert\n\n\`\`\`\n@inert </details> ![x](https://e/) <b>\n\`\`\`\n`;

  it('passes a well-formed body', () => {
    expect(structureProblems(ok.replace('`x|y` ok', 'x ok'), { marker })).toEqual([]);
  });

  it.each([
    ['an open fence', `${ok}\`\`\`\nx\n`],
    ['a second headline', `${ok}\n## ✅ evalgate: pass\n`],
    ['a second marker', `${ok}\n${marker}\n`],
    ['a live mention', `${ok}\ncc @octocat\n`],
    ['an image', `${ok}\n![x](https://evil/)\n`],
    ['a stray </details>', `${ok}\n</details>\n`],
    ['raw HTML', `${ok}\n<img src=x>\n`],
    ['a pipe inside a code span in a table', ok],
  ])('catches %s', (_, body) => {
    expect(structureProblems(body, { marker }).length).toBeGreaterThan(0);
  });
});
