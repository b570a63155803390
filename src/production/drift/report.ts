import { escapeMarkdown, inlineCode } from '../../report/escape.js';
import type { CoverageReport } from '../coverage.js';
import type { DriftReport, FeatureDrift } from './drift.js';

const STATUS_TEXT: Record<FeatureDrift['status'], string> = {
  alarm: '🔴 drift',
  significant: 'significant, below threshold',
  stable: 'stable',
  'too-few-records': 'too few records',
  ignored: 'ignored',
};

/**
 * The drift report as Markdown: the verdict, where the reference came from, one table of the
 * traffic's features and one of the quality metrics (alarms first in each), and what a
 * baseline reference could not supply.
 */
export function driftMarkdown(report: DriftReport): string {
  const { windows, alpha, minRecords } = report;
  const lines = ['# Production drift', ''];
  if (report.status === 'alarm')
    lines.push(
      `**Drift in ${report.alarms.length} feature${report.alarms.length === 1 ? '' : 's'}:** ${report.alarms.map((a) => inlineCode(a)).join(', ')}.`,
    );
  else if (report.status === 'too-few-records')
    lines.push(
      `**Too few records** to tell: a window holds fewer than ${minRecords} (reference ${windows.reference}, current ${windows.current}). No alarm.`,
    );
  else lines.push('**No drift.**');
  const ref = report.reference;
  const referenceText =
    ref?.source === 'baseline'
      ? `Reference: the eval baseline, ${windows.reference} cases of the regression suites ${ref.suites.map((s) => inlineCode(s)).join(', ') || '(none)'} (inputs from the suites${ref.baselines.length ? `; outputs and verdicts from the saved baseline${ref.baselines.length === 1 ? '' : 's'}, privacy ${[...new Set(ref.baselines.map((b) => b.privacy))].join('/')}` : '; no saved baseline'})`
      : `Reference window: ${windows.reference} records`;
  lines.push(
    '',
    `${referenceText}; current window: ${windows.current} records. A feature alarms when its change is significant after Holm's correction over all features (family-wise α = ${alpha}) and at least its effect threshold (PSI, or Cohen's h for rates).`,
  );
  const order: FeatureDrift['status'][] = ['alarm', 'significant', 'stable', 'too-few-records', 'ignored'];
  const sorted = [...report.features].sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status));
  const traffic = sorted.filter((f) => f.group !== 'quality');
  const quality = sorted.filter((f) => f.group === 'quality');
  if (traffic.length) lines.push('', ...featureTable(traffic));
  if (quality.length)
    lines.push(
      '',
      '## Quality metrics',
      '',
      ref?.source === 'baseline'
        ? "Refusal and error rates, and each online grader's pass rate (`grades.<grader>` in the records) against the same grader's verdicts in the eval baseline."
        : "Refusal, error, safety-event and feedback rates, and each online grader's pass rate (`grades.<grader>` in the records).",
      '',
      ...featureTable(quality),
    );
  if (ref?.source === 'baseline' && ref.notCompared.length) {
    lines.push('', '## Not compared with the eval baseline', '');
    for (const n of ref.notCompared) lines.push(`- ${inlineCode(n.feature)}: ${escapeMarkdown(n.reason)}`);
  }
  lines.push('');
  return lines.join('\n');
}

function featureTable(rows: readonly FeatureDrift[]): string[] {
  const lines = [
    '| Feature | Reference | Current | Effect (threshold) | p (Holm) | Status |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const f of rows) {
    const tested = f.status !== 'too-few-records' && f.status !== 'ignored' && f.df > 0;
    const effect = tested
      ? `${f.effect.measure === 'psi' ? 'PSI' : 'h'} ${fmt(f.effect.value)} (${f.effect.threshold})`
      : '—';
    const p = tested ? fmt(f.pAdjusted) : '—';
    const status = f.status === 'stable' && !tested ? 'not testable (one value)' : STATUS_TEXT[f.status];
    lines.push(
      `| ${inlineCode(f.feature, { table: true })} | ${escapeMarkdown(f.reference)} (n=${f.records.reference}) | ${escapeMarkdown(f.current)} (n=${f.records.current}) | ${effect} | ${p} | ${status} |`,
    );
  }
  return lines;
}

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a < 1e-3 ? x.toExponential(1) : String(+x.toFixed(3));
}

/** Coverage gaps as Markdown: the values production has and the suites lack, commonest first. */
export function coverageMarkdown(coverage: CoverageReport): string {
  const lines = ['## Coverage: production traffic no suite covers', ''];
  const pct = (x: number) => `${+(100 * x).toFixed(1)} %`;
  if (coverage.gaps.length === 0) {
    lines.push(
      `Every route, language and risk tag in at least ${pct(coverage.minShare)} of the ${coverage.records} current records has ${coverage.minCases} or more of the ${coverage.cases} suite cases.`,
      '',
    );
    return lines.join('\n');
  }
  lines.push(
    `Values in at least ${pct(coverage.minShare)} of the ${coverage.records} current records with fewer than ${coverage.minCases} of the ${coverage.cases} suite cases: the cases to write next.`,
    '',
    '| Dimension | Value | Records | Share | Suite cases |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const g of coverage.gaps)
    lines.push(
      `| ${g.dimension} | ${escapeMarkdown(g.value)} | ${g.records} | ${pct(g.share)} | ${g.cases === 0 ? 'none' : g.cases} |`,
    );
  lines.push('');
  return lines.join('\n');
}
