import { escapeMarkdown, inlineCode } from '../../report/escape.js';
import { pct } from '../format.js';
import type { OnlineReport } from './summarize.js';

/**
 * The online grades as Markdown: one row per grader with its pass rate over the records it
 * measured, the interval and the traffic-weighted rate; a grader the policy leaves blind is
 * shown as not measurable, never with a rate. Then, per grader, what it could not check and
 * a few failing records. Grader names come from the config and reasons from records: escaped.
 */
export function onlineMarkdown(report: OnlineReport): string {
  const lines = [
    '# Online graders',
    '',
    `${report.records} production record${report.records === 1 ? '' : 's'} graded.`,
    '',
    '| grader | type | pass rate (95 % CI) | passed / measured | traffic-weighted | in scope | not measured |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const g of report.graders) {
    const unmeasured = Object.values(g.unmeasured).reduce((a, b) => a + b, 0);
    const rate = g.notMeasurable
      ? '**not measurable**'
      : g.interval
        ? `${pct(g.passRate)} (${pct(g.interval.lower)} to ${pct(g.interval.upper)})`
        : '–';
    lines.push(
      `| ${inlineCode(g.name, { table: true })} | ${g.type} | ${rate} | ${g.passed} / ${g.measured} | ${pct(g.weightedPassRate)} | ${g.inScope} | ${unmeasured} |`,
    );
  }
  lines.push('');
  for (const g of report.graders) {
    const notes: string[] = [];
    if (g.notMeasurable) notes.push(`- not measurable: ${escapeMarkdown(g.notMeasurable)}`);
    if (g.routes) notes.push(`- routes: ${g.routes.map((r) => inlineCode(r)).join(', ')}`);
    for (const part of g.notChecked) notes.push(`- not checked online: ${escapeMarkdown(part)}`);
    if (!g.notMeasurable)
      for (const [reason, n] of Object.entries(g.unmeasured))
        notes.push(`- ${n} record${n === 1 ? '' : 's'} not measured: ${escapeMarkdown(reason)}`);
    const versions = Object.entries(g.byVersion);
    if (versions.length > 1)
      notes.push(
        `- by system version: ${versions
          .map(([v, c]) => `${inlineCode(v)} ${pct(c.passRate)} (${c.passed} / ${c.measured})`)
          .join(', ')}`,
      );
    if (g.errors)
      notes.push(`- ${g.errors} verdict${g.errors === 1 ? '' : 's'} errored (counted as failures)`);
    for (const e of g.examples)
      notes.push(`- failed: ${inlineCode(e.at)}: ${escapeMarkdown(e.reason, { maxLength: 300 })}`);
    if (notes.length) lines.push(`### ${escapeMarkdown(g.name)}`, '', ...notes, '');
  }
  return lines.join('\n');
}
