import { relative, resolve } from 'node:path';
import { formatUsd } from '../compare/format.js';
import { DIMENSIONS, type Dimension } from '../graders/dimensions.js';
import { markdownTable } from 'markdown-table';
import { terminalText } from '../report/escape.js';
import type { Grader } from '../graders/types.js';
import type { DimensionCount, SuiteDimensionTallies } from '../results/dimension-tally.js';
import type { CaseResult, ResultsDocument, SampleResult, SuiteMetrics } from '../results/types.js';

export interface SuiteSummaryRow {
  id: string;
  tier: string;
  metrics: SuiteMetrics;
  /** Graders of this suite whose verdicts are advisory, by name: why they may not block. */
  advisory?: Record<string, string>;
}

/**
 * The end-of-run tables: one row per suite, then the mean score of each grader per suite,
 * then (given the run's tallies) each dimension of quality per suite and workflow.
 * Markdown, so it reads in a terminal and pastes into a PR. An advisory grader (a judge
 * that may not gate yet) is marked "(advisory)" in both, with a numbered footnote saying
 * why, so a score that cannot block never reads as one that can.
 */
export function renderSummaryTable(
  rows: SuiteSummaryRow[],
  dimensions?: readonly SuiteDimensionTallies[],
): string {
  const notes = new Footnotes();
  const suites = renderSuiteTable(rows, notes);
  const scores = renderScoreTable(rows, notes);
  const byDimension = dimensions ? renderDimensionTable(dimensions) : '';
  return [suites, scores, byDimension, notes.render()].filter(Boolean).join('\n\n');
}

/**
 * Per suite, each dimension of quality its graders measure (graders/dimensions.ts): one row
 * for the suite, and one per `workflow` tag when its cases carry more than one, one column
 * per dimension any suite measures. A cell is the share of graded samples whose verdicts of
 * that dimension all passed, with the samples it is over; "—" where nothing measured it.
 * Advisory verdicts are left out, as compare leaves them out. Empty when no verdict carries
 * a dimension. The tallies come from the run as it went (RunOutcome.dimensions) or from a
 * Results document (results/dimension-tally.ts).
 */
export function renderDimensionTable(suites: readonly SuiteDimensionTallies[]): string {
  const rows: { suite: string; workflow: string; tallies: Map<Dimension, DimensionCount> }[] = [];
  const measured = new Set<Dimension>();
  for (const suite of suites) {
    if (suite.all.size === 0) continue;
    for (const d of suite.all.keys()) measured.add(d);
    const workflows = [...suite.workflows].sort();
    rows.push({ suite: cell(suite.suite), workflow: workflows.length > 1 ? 'all' : '', tallies: suite.all });
    if (workflows.length > 1)
      for (const w of workflows) {
        const t = suite.byWorkflow.get(w);
        if (t?.size) rows.push({ suite: cell(suite.suite), workflow: cell(w), tallies: t });
      }
  }
  if (rows.length === 0) return '';
  const columns = DIMENSIONS.filter((d) => measured.has(d));
  const value = (t: DimensionCount | undefined) =>
    t ? `${percent(t.passed / t.trials)} (${t.trials})` : '—';
  return markdownTable(
    [
      ['suite', 'workflow', ...columns.map((d) => `${d} (samples)`)],
      ...rows.map((r) => [r.suite, r.workflow, ...columns.map((d) => value(r.tallies.get(d)))]),
    ],
    { align: ['l', 'l', ...columns.map(() => 'r' as const)] },
  );
}

function renderSuiteTable(rows: SuiteSummaryRow[], notes: Footnotes): string {
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
    ...rows.map(({ id, tier, metrics: m, advisory }) => [
      cell(id) +
        Object.entries(advisory ?? {})
          .map(([g, why]) => ` (advisory: ${cell(g)}${notes.mark(id, g, why)})`)
          .join(''),
      tier,
      String(m.cases),
      m.passRate === null ? '—' : percent(m.passRate),
      String(m.failed),
      m.errors ? `${m.errors} (${percent(m.errorRate)})` : '0',
      m.refusalRate === null ? '—' : percent(m.refusalRate),
      m.latencyMs ? `${Math.round(m.latencyMs.p95)} ms` : '—',
      m.tokens.perCase ? String(Math.round(m.tokens.perCase)) : '—',
      m.cost ? formatUsd(m.cost.total) : '—',
      m.blockerFailures.length ? String(m.blockerFailures.length) : '0',
    ]),
  ];
  return markdownTable(table, { align: ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] });
}

/**
 * Per suite, each grader's mean score (graderScores), over how many verdicts, and how many
 * were left out because the grader does not apply to the case (an unanswerable case's
 * retrieval ranking metrics, an answer with no claim for faithfulness).
 */
function renderScoreTable(rows: SuiteSummaryRow[], notes: Footnotes): string {
  const body: string[][] = [];
  for (const { id, metrics: m, advisory } of rows) {
    const names = [
      ...new Set([...Object.keys(m.graderScores), ...Object.keys(m.graderExcluded ?? {})]),
    ].sort();
    for (const name of names) {
      const why = advisory?.[name];
      const score = m.graderScores[name];
      const excluded = m.graderExcluded?.[name] ?? 0;
      body.push([
        cell(id),
        `${cell(name)}${why === undefined ? '' : ` (advisory)${notes.mark(id, name, why)}`}`,
        score === undefined ? '—' : score.toFixed(3),
        excluded ? `${excluded} not applicable` : '',
      ]);
    }
  }
  if (body.length === 0) return '';
  return markdownTable([['suite', 'grader', 'mean score', 'left out'], ...body], {
    align: ['l', 'l', 'r', 'l'],
  });
}

/** Numbered notes under the tables: one per advisory grader of a suite, shared by its marks. */
class Footnotes {
  private readonly notes = new Map<string, { n: number; text: string }>();

  mark(suite: string, grader: string, why: string): string {
    const key = JSON.stringify([suite, grader]);
    let note = this.notes.get(key);
    if (!note) {
      note = {
        n: this.notes.size + 1,
        text: `${cell(suite)} / ${cell(grader)}: advisory, ${terminalText(why, { oneLine: true, maxLength: 300 })}; its verdicts are reported but never fail a case, a suite or the gate`,
      };
      this.notes.set(key, note);
    }
    return `[${note.n}]`;
  }

  render(): string {
    return [...this.notes.values()].map((x) => `[${x.n}] ${x.text}`).join('\n');
  }
}

/** A table cell from a name in a user's file: one line, no control characters, no column break. */
function cell(text: string): string {
  return terminalText(text, { oneLine: true, maxLength: 80 }).replace(/\|/g, '\\|');
}

/** Why each grader of a suite that is advisory may not block, by grader name (the first reason given). */
export function advisoryGraders(suite: {
  cases: readonly { graders: readonly Grader[] }[];
}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of suite.cases)
    for (const g of c.graders) if (g.advisory && !(g.name in out)) out[g.name] = g.advisory;
  return out;
}

export function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

export interface FailureOptions {
  /** Case locations in the Results document are relative to this (the config's directory)... */
  rootDir: string;
  /** ...and shown relative to this. */
  cwd: string;
  /** Cases explained; the rest are counted. Default 10. */
  limit?: number;
}

/**
 * Why cases did not pass, for the terminal: per failing or erroring case (in document order),
 * its place in the suite file, then for the first sample that did not pass either each
 * failing grader with its one-line reason, or the error, and one line of the output. Every
 * piece of it may come from a model or a dataset, so all of it goes through terminalText.
 *
 *   ✗ support / refunds [blocker]  suites/support.yml:12
 *       contains: expected "60 days"
 *       output: Refunds take 30 days.
 *   ! support / flaky  suites/support.yml:20
 *       error (http 500): upstream exploded
 */
export function renderFailures(doc: Pick<ResultsDocument, 'suites'>, options: FailureOptions): string {
  const limit = options.limit ?? 10;
  const bad: { suite: string; c: CaseResult }[] = [];
  for (const suite of doc.suites)
    for (const c of suite.cases) if (c.status !== 'pass') bad.push({ suite: suite.id, c });
  if (bad.length === 0) return '';
  const failed = bad.filter((b) => b.c.status === 'fail').length;
  const errored = bad.length - failed;
  const counts = [failed && `${failed} failed`, errored && `${errored} errored`].filter(Boolean).join(', ');
  let out = `Cases that did not pass (${counts}):\n`;
  for (const { suite, c } of bad.slice(0, limit)) {
    const mark = c.status === 'error' ? '!' : '✗';
    const file = c.location && resolve(options.rootDir, c.location.file);
    const where = c.location
      ? `  ${one(`${relative(options.cwd, file!) || file}:${c.location.line}`, 300)}`
      : '';
    out += `  ${mark} ${one(`${suite} / ${c.id}`, 200)}${c.blocker ? ' [blocker]' : ''}${where}\n`;
    const sample = c.samples.find((s) => s.status === c.status) ?? c.samples[0];
    if (sample) out += explain(sample, c.samples.length);
  }
  if (bad.length > limit) out += `  … and ${bad.length - limit} more (see the Results document)\n`;
  return out;
}

function explain(sample: SampleResult, samples: number): string {
  const ofN = samples > 1 ? ` (sample ${sample.index + 1} of ${samples})` : '';
  let out = '';
  if (sample.status === 'error' && sample.error) {
    const { kind, status, message } = sample.error;
    out += `      error (${kind}${status ? ` ${status}` : ''})${ofN}: ${one(message, 200)}\n`;
  } else {
    const failing = sample.graders.filter((g) => !g.pass && !g.advisory);
    for (const g of failing.slice(0, 3))
      out += `      ${one(g.grader, 60)}${g.error ? ' (could not decide)' : ''}${ofN}: ${one(g.reason, 200)}\n`;
    if (failing.length > 3) out += `      … and ${failing.length - 3} more graders\n`;
  }
  const text = sample.output?.output;
  if (text !== undefined) out += `      output: ${text.trim() === '' ? '(empty)' : one(text, 120)}\n`;
  return out;
}

/** One line of untrusted text, at most `max` characters. */
function one(text: string, max: number): string {
  const chars = Array.from(text.replace(/\s+/g, ' ').trim());
  const cut = chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
  return terminalText(cut, { oneLine: true });
}
