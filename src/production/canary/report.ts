import { inlineCode } from '../../report/escape.js';
import { formatEffect, formatValue, type CanaryDecision, type MetricStatus } from './decide.js';

const STATUS: Record<MetricStatus, string> = {
  rollback: '❌ rollback',
  within: '✅ within',
  undecided: '⏳ undecided',
  'too-few': '⏳ too few records',
};

/**
 * The decision as Markdown: the verdict and its reasons, then one row per trigger with both
 * sides' values, the effect with its confidence sequence, the tolerance and the records
 * still needed. Version ids come from the command line and the records: escaped.
 */
export function canaryMarkdown(decision: CanaryDecision): string {
  const d = decision;
  const lines = [
    `# Canary analysis: ${d.decision}`,
    '',
    `Canary ${inlineCode(d.canary)} against control ${inlineCode(d.control)}, look ${d.look}: ${d.records.canary} canary and ${d.records.control} control records.`,
    '',
    `**Decision: ${d.decision}**${d.decision === 'rollback' ? ' (exit 1)' : ''}`,
    '',
    ...d.reasons.map((r) => `- ${r}`),
    '',
  ];
  if (d.recordsNeeded.canary || d.recordsNeeded.control)
    lines.push(
      `Records still needed before every trigger can decide: ${d.recordsNeeded.canary} canary, ${d.recordsNeeded.control} control.`,
      '',
    );
  lines.push(
    '| trigger | status | canary | control | effect (confidence sequence) | tolerated | test |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const m of d.metrics) {
    const side = (s: typeof m.canary) =>
      `${formatValue(m.metric, s.value)} (${s.events !== undefined ? `${s.events} of ` : ''}${s.records})`;
    // In the JSON an unbounded end (or a ratio over a zero control) is null; here it is shown.
    const { kind, estimate, lower, upper } = m.effect;
    const overZero = kind === 'ratio' && (m.canary.value ?? 0) > 0 && m.control.value === 0;
    const shownEstimate = estimate === null && overZero ? Infinity : estimate;
    const shownLower = lower ?? (kind === 'ratio' ? 0 : -Infinity);
    const shownUpper = upper ?? Infinity;
    lines.push(
      // An online grader's trigger is tested on its failures: its values are failure rates.
      `| ${m.metric}${m.metric.startsWith('onlineGraders.') ? ' (failure rate)' : ''} | ${STATUS[m.status]} | ${side(m.canary)} | ${side(m.control)} | ${formatEffect(kind, shownEstimate)} (${formatEffect(kind, shownLower)} to ${formatEffect(kind, shownUpper)}) | ${formatEffect(kind, m.tolerance)} | ${m.test} |`,
    );
  }
  const k = d.metrics.length;
  lines.push(
    '',
    `Each interval is a ${+((1 - d.alpha / k) * 100).toPrecision(4)} % confidence sequence (α = ${d.alpha} split over ${k} trigger${k === 1 ? '' : 's'}), valid at every look: however often this canary is checked, the chance of ever rolling back an unchanged canary (or promoting one degraded beyond tolerance) is at most ${+(d.alpha * 100).toPrecision(3)} %.`,
    '',
  );
  return lines.join('\n');
}
