import { escapeMarkdown, inlineCode } from '../../report/escape.js';
import { pct } from '../format.js';
import type { ShadowReport, ShadowVerdict } from './compare.js';

const VERDICT: Record<ShadowVerdict, string> = {
  worse: '❌ worse',
  better: '✅ better',
  'no-difference': '➖ no significant difference',
  'not-measurable': '⚪ not measurable',
};

const pt = (x: number) => `${x >= 0 ? '+' : '−'}${+(Math.abs(x) * 100).toPrecision(3)} pt`;

/**
 * The shadow run as Markdown: the decision and its reasons, one row per grader with both
 * pass rates on the same inputs, the paired difference with its interval, the discordant
 * pairs and the p-value; then a few regressed records. Names, paths and reasons escaped.
 */
export function shadowMarkdown(report: ShadowReport): string {
  const r = report;
  const lines = [
    `# Shadow run: ${inlineCode(r.target)} against production`,
    '',
    `${r.records.sampled} production input${r.records.sampled === 1 ? '' : 's'} replayed (sampled from ${r.records.eligible} whose text the policy keeps); ${r.records.candidateErrors} candidate call${r.records.candidateErrors === 1 ? '' : 's'} failed (counted as failures).`,
    '',
    `**Decision: ${r.decision}**${r.decision === 'fail' ? ' (exit 1)' : ''}`,
    '',
    ...r.reasons.map((x) => `- ${escapeMarkdown(x, { maxLength: 500 })}`),
    '',
    '| grader | gate | production | candidate | difference (95 % CI) | regressed / fixed | p (Holm) | verdict |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const g of r.graders) {
    const diff = g.difference
      ? `${pt(g.difference.estimate)} (${pt(g.difference.lower)} to ${pt(g.difference.upper)})`
      : '–';
    const p =
      g.pValue === null
        ? '–'
        : `${g.pValue.toPrecision(2)}${g.adjustedP !== null ? ` (${g.adjustedP.toPrecision(2)})` : ''}`;
    lines.push(
      `| ${inlineCode(g.name, { table: true })} | ${g.gate ? 'yes' : 'no'} | ${pct(g.production.passRate)} | ${pct(g.candidate.passRate)} | ${diff} | ${g.table.c} / ${g.table.b} | ${p} | ${VERDICT[g.verdict]} |`,
    );
  }
  lines.push('', `${g(r)}`, '');
  for (const x of r.graders) {
    const notes: string[] = [];
    if (x.notMeasurable) notes.push(`- not measurable: ${escapeMarkdown(x.notMeasurable)}`);
    for (const e of x.regressions)
      notes.push(`- regressed: ${inlineCode(e.at)}: ${escapeMarkdown(e.reason, { maxLength: 300 })}`);
    if (notes.length) lines.push(`### ${escapeMarkdown(x.name)}`, '', ...notes, '');
  }
  return lines.join('\n');
}

function g(r: ShadowReport): string {
  return `Pass rates are over the inputs graded on both sides. Exact McNemar tests on the discordant pairs, Holm-adjusted over the gating graders, at α = ${r.alpha}; the difference is the candidate's pass rate minus production's, with Newcombe's paired interval.`;
}
