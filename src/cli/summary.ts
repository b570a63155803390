import { markdownTable } from 'markdown-table';
import type { SuiteMetrics } from '../results/types.js';

export interface SuiteSummaryRow {
  id: string;
  tier: string;
  metrics: SuiteMetrics;
}

/** The end-of-run table: one row per suite. Markdown, so it reads in a terminal and pastes into a PR. */
export function renderSummaryTable(rows: SuiteSummaryRow[]): string {
  const table = [
    [
      'suite',
      'tier',
      'cases',
      'pass rate',
      'failed',
      'errors',
      'refusals',
      'p95 latency',
      'tokens/case',
      'cost',
      'blockers failed',
    ],
    ...rows.map(({ id, tier, metrics: m }) => [
      id,
      tier,
      String(m.cases),
      m.passRate === null ? '—' : percent(m.passRate),
      String(m.failed),
      m.errors ? `${m.errors} (${percent(m.errorRate)})` : '0',
      m.refusalRate === null ? '—' : percent(m.refusalRate),
      m.latencyMs ? `${Math.round(m.latencyMs.p95)} ms` : '—',
      m.tokens.perCase ? String(Math.round(m.tokens.perCase)) : '—',
      m.cost ? `$${m.cost.total.toFixed(4)}` : '—',
      m.blockerFailures.length ? String(m.blockerFailures.length) : '0',
    ]),
  ];
  return markdownTable(table, { align: ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] });
}

export function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
