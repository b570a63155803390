import { markdownTable } from 'markdown-table';
import {
  formatDelta,
  formatInterval,
  formatP,
  formatPct,
  formatValue,
  plural,
  formatUsd,
} from '../compare/format.js';
import type {
  CaseOutcome,
  CaseTransition,
  ComparisonDocument,
  MetricComparison,
  MetricVerdict,
  SuiteComparison,
  UsageMetric,
} from '../compare/types.js';
import type { GateReason, GateVerdict, ReasonLevel, Verdict } from '../gate/types.js';
import { LAYER_LABEL } from '../graders/layers.js';
import { escapeMarkdown, inlineCode } from './escape.js';

export interface MarkdownOptions {
  /** Heading text before the verdict. */
  title?: string;
  /** Regressed cases listed; the rest are counted. Default 10. */
  maxCases?: number;
  /** New / removed case ids listed per suite. Default 10. */
  maxIds?: number;
  /** Characters of a failure reason kept. Default 160. */
  maxReason?: number;
}

export const VERDICT_ICON: Record<GateVerdict, string> = {
  pass: '✅',
  warn: '⚠️',
  inconclusive: '❔',
  fail: '❌',
  error: '🛑',
};
export const LEVEL_ICON: Record<ReasonLevel, string> = {
  info: 'ℹ️',
  warn: '⚠️',
  inconclusive: '❔',
  fail: '❌',
  error: '🛑',
};
const METRIC_VERDICT: Record<MetricVerdict, string> = {
  improved: '🔺 improved',
  unchanged: 'unchanged',
  regressed: '🔻 regressed',
  inconclusive: '❔ inconclusive',
  'not-comparable': '⛔ not comparable',
};
const BLOCKER_CODES = new Set<GateReason['code']>([
  'blocker-regressed',
  'blocker-new-failing',
  'blocker-still-failing',
  'blocker-error',
]);

/**
 * The comparison as a reviewer reads it in a PR: the verdict first, blocker failures next,
 * then why, a per-suite table (baseline vs now, change, interval, verdict), the cases that
 * got worse with what was expected and what came back, new and removed cases, and how old
 * the baseline is. Deterministic: the same documents always render the same bytes, which
 * is what the golden files rely on. Every string that came from a run or a dataset goes
 * through escape.ts.
 */
export function renderComparisonMarkdown(
  comparison: ComparisonDocument,
  verdict: Verdict,
  options: MarkdownOptions = {},
): string {
  const o = {
    title: options.title ?? 'evalgate',
    maxCases: options.maxCases ?? 10,
    maxIds: options.maxIds ?? 10,
    maxReason: options.maxReason ?? 160,
  };
  const sections = [
    headline(comparison, verdict, o.title),
    blockerSection(comparison, verdict, o.maxReason),
    reasonSection(verdict),
    suiteSection(comparison),
    layerSection(comparison),
    usageSection(comparison),
    regressedCaseSection(comparison, o.maxCases, o.maxReason),
    newRemovedSection(comparison, o.maxIds),
    baselineSection(comparison),
  ];
  return `${sections.filter((s) => s !== '').join('\n\n')}\n`;
}

/** Shown in its own table, first; a still-failing blocker downgraded to a warning stays with the other reasons. */
function isBlockerFailure(r: GateReason): boolean {
  return BLOCKER_CODES.has(r.code) && (r.level === 'fail' || r.level === 'error');
}

/**
 * markdown-table, padded by display width the way Prettier measures it (emoji and CJK
 * take two columns, variation selectors none; Prettier counts the zero-width joiners
 * escape.ts inserts as one), so the golden files stay stable under `prettier --write`.
 */
function table_(rows: string[][], align?: ('l' | 'r' | 'c')[]): string {
  return markdownTable(rows, { ...(align ? { align } : {}), stringLength: displayWidth });
}

function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xfe00 && cp <= 0xfe0f) continue;
    width += WIDE.test(ch) ? 2 : 1;
  }
  return width;
}

const WIDE =
  /[\p{Extended_Pictographic}\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u;

// ---------------------------------------------------------------- headline

/** What drove a verdict, in words: "2 blocker cases failing", "1 metric regressed", ... */
export function verdictParts(v: Verdict): string[] {
  // A blocker case can fail for more than one reason; count cases, not reasons.
  const blockers = new Set(v.reasons.filter(isBlockerFailure).map((r) => `${r.suite}\u0000${r.case}`)).size;
  const regressed = v.reasons.filter((r) => r.code === 'metric-regressed').length;
  const parts: string[] = [];
  if (blockers) parts.push(`${plural(blockers, 'blocker case')} failing`);
  if (regressed) parts.push(`${plural(regressed, 'metric')} regressed`);
  if (v.counts.error) parts.push(plural(v.counts.error, 'error'));
  if (v.counts.inconclusive) parts.push(`${v.counts.inconclusive} inconclusive`);
  if (v.counts.warn) parts.push(plural(v.counts.warn, 'warning'));
  return parts;
}

function headline(c: ComparisonDocument, v: Verdict, title: string): string {
  const parts = verdictParts(v);
  const compared = c.suites.filter((s) => s.status === 'comparable');
  const paired = compared.reduce((n, s) => n + s.cases.comparable, 0);
  const against = `${plural(compared.length, 'suite')} compared (${plural(paired, 'paired case')}) against the baseline${baselineLabel(c)}`;
  const lead = parts.length ? `${parts.join(' · ')}. ` : '';
  return `## ${VERDICT_ICON[v.verdict]} ${escapeMarkdown(title)}: ${v.verdict}\n\n${lead}${against}.`;
}

function baselineLabel(c: ComparisonDocument): string {
  const sha = c.baseline.gitSha ? ` ${inlineCode(c.baseline.gitSha.slice(0, 7))}` : '';
  const age =
    c.baselineAge.days === null
      ? ''
      : ` (${ageText(c.baselineAge.days)} old${c.baselineAge.stale ? ', stale' : ''})`;
  return `${sha}${age}`;
}

function ageText(days: number): string {
  if (days < 1 / 24) return 'under an hour';
  if (days < 1) return plural(Math.round(days * 24), 'hour');
  return `${days.toFixed(1)} days`;
}

// ---------------------------------------------------------------- blockers and reasons

function blockerSection(c: ComparisonDocument, v: Verdict, maxReason: number): string {
  const failing = v.reasons.filter(isBlockerFailure);
  if (failing.length === 0) return '';
  const rows = failing.map((r) => {
    const t = c.suites.find((s) => s.id === r.suite)?.transitions.find((x) => x.id === r.case);
    return [
      inlineCode(r.suite, { table: true }),
      inlineCode(r.case, { table: true }),
      t?.baseline ? outcomeText(t.baseline) : 'new',
      t ? outcomeText(t.current) : '—',
      // After confirmation, what the fresh samples in each arm showed, then the grader's reason.
      [
        r.evidence && `**${escapeMarkdown(r.evidence, { maxLength: maxReason })}**`,
        t?.failure ? failureText(t, maxReason) : escapeMarkdown(r.message, { maxLength: maxReason }),
      ]
        .filter(Boolean)
        .join(' · '),
    ];
  });
  return `### Blocker failures\n\n${table_([['suite', 'case', 'baseline', 'now', 'why'], ...rows])}`;
}

function reasonSection(v: Verdict): string {
  const shown = v.reasons.filter((r) => r.level !== 'info' && !isBlockerFailure(r));
  const notes = v.reasons.filter((r) => r.level === 'info');
  const out: string[] = [];
  if (shown.length) out.push(`### Why\n\n${shown.map(reasonLine).join('\n')}`);
  if (notes.length) {
    out.push(
      `<details><summary>${plural(notes.length, 'note')}</summary>\n\n${notes.map(reasonLine).join('\n')}\n\n</details>`,
    );
  }
  return out.join('\n\n');
}

function reasonLine(r: GateReason): string {
  const where = [r.suite, r.case].filter((x): x is string => x !== undefined).map((x) => inlineCode(x));
  return `- ${LEVEL_ICON[r.level]} ${where.length ? `${where.join(' / ')}: ` : ''}${escapeMarkdown(r.message, { maxLength: 400 })}`;
}

// ---------------------------------------------------------------- suites

function suiteSection(c: ComparisonDocument): string {
  if (c.suites.length === 0) return '';
  const header = [
    'suite',
    'tier',
    'metric',
    'cases',
    'baseline',
    'now',
    'change',
    'interval',
    'p (Holm)',
    'verdict',
  ];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const s of c.suites) {
    const metrics =
      s.status === 'comparable'
        ? s.metrics.filter(worthARow)
        : s.metrics.filter((m) => m.metric === 'passRate');
    metrics.forEach((m, i) => rows.push(metricRow(s, m, i === 0)));
    if (s.status !== 'comparable')
      notes.push(
        `- ${inlineCode(s.id)}: ${s.status === 'new' ? 'new suite' : 'not comparable'} — ${escapeMarkdown(s.reasons.join('; '), { maxLength: 300 })}`,
      );
  }
  const table = table_([header, ...rows], ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'l']);
  return `### Suites\n\n${table}${notes.length ? `\n\n${notes.join('\n')}` : ''}`;
}

/** An error or refusal rate that was 0 in both runs says nothing; every other metric gets its row. */
function worthARow(m: MetricComparison): boolean {
  if (m.metric !== 'errorRate' && m.metric !== 'refusalRate') return true;
  return (m.baseline ?? 0) > 0 || (m.current ?? 0) > 0;
}

function metricRow(s: SuiteComparison, m: MetricComparison, first: boolean): string[] {
  return [
    first ? inlineCode(s.id, { table: true }) : '',
    first ? s.tier : '',
    escapeMarkdown(m.label),
    m.n ? String(m.n) : '—',
    formatValue(m.metric, m.baseline),
    formatValue(m.metric, m.current),
    formatDelta(m.metric, m.delta),
    formatInterval(m.metric, m.interval),
    formatP(m.pAdjusted),
    // The values are every paired case's; the verdict is what fresh samples then settled.
    `${METRIC_VERDICT[m.verdict]}${m.settledBy ? ' (re-sampled)' : ''}`,
  ];
}

/** Which layer of evaluation moved, per suite: share of passing verdicts, baseline and now. */
function layerSection(c: ComparisonDocument): string {
  const share = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
  const rows = c.suites.flatMap((s) =>
    (s.layers ?? []).map((l, i) => [
      i === 0 ? inlineCode(s.id, { table: true }) : '',
      LAYER_LABEL[l.layer],
      share(l.baseline),
      share(l.current),
      formatDelta('passRate', l.delta),
      `${l.verdicts.current}`,
    ]),
  );
  if (rows.length === 0) return '';
  return `### What moved, by layer\n\n${table_([['suite', 'layer', 'baseline', 'now', 'change', 'verdicts'], ...rows], ['l', 'l', 'r', 'r', 'r', 'r'])}`;
}

function usageSection(c: ComparisonDocument): string {
  const rows = c.suites
    .filter((s) => s.usage.latencyMs.current || s.usage.tokensPerCase.current || s.usage.costPerCase.current)
    .map((s) => [
      inlineCode(s.id, { table: true }),
      usageCell(s.usage.latencyMs, 'p95', (v) => `${Math.round(v)} ms`),
      usageCell(s.usage.tokensPerCase, 'mean', (v) => String(Math.round(v))),
      usageCell(s.usage.costPerCase, 'mean', formatUsd),
    ]);
  if (rows.length === 0) return '';
  return `### Latency, tokens and cost\n\n${table_([['suite', 'p95 latency', 'tokens per case', 'cost per case'], ...rows], ['l', 'r', 'r', 'r'])}`;
}

function usageCell(u: UsageMetric, stat: 'p95' | 'mean', show: (v: number) => string): string {
  if (!u.current) return '—';
  if (!u.baseline) return show(u.current[stat]);
  return `${show(u.baseline[stat])} → ${show(u.current[stat])} (${formatPct(u.changePct?.[stat] ?? null)})`;
}

// ---------------------------------------------------------------- cases

function regressedCaseSection(c: ComparisonDocument, max: number, maxReason: number): string {
  const worse = c.suites
    .filter((s) => s.status === 'comparable')
    .flatMap((s) =>
      s.transitions
        .filter((t) => t.change === 'worse' && !(t.blocker && t.current.status !== 'pass'))
        .map((t) => ({ s, t })),
    )
    .sort((a, b) => drop(b.t) - drop(a.t));
  if (worse.length === 0) return '';
  const rows = worse
    .slice(0, max)
    .map(({ s, t }) => [
      inlineCode(s.id, { table: true }),
      inlineCode(t.id, { table: true }),
      outcomeText(t.baseline!),
      outcomeText(t.current),
      failureText(t, maxReason),
    ]);
  const more =
    worse.length > max ? `\n\n…and ${plural(worse.length - max, 'more case')} that got worse.` : '';
  return `### Cases that got worse\n\n${table_([['suite', 'case', 'baseline', 'now', 'why (expected vs actual)'], ...rows])}${more}`;
}

/** How far the pass fraction fell; stable sort keeps suite and case order for ties. */
function drop(t: CaseTransition): number {
  return fraction(t.baseline!) - fraction(t.current);
}

function fraction(o: CaseOutcome): number {
  return o.passed + o.failed ? o.passed / (o.passed + o.failed) : 0;
}

function outcomeText(o: CaseOutcome): string {
  const samples = o.passed + o.failed + o.errors;
  if (samples <= 1) return o.status;
  const errors = o.errors ? `, ${o.errors} err` : '';
  return `${o.passed}/${o.passed + o.failed} pass${errors}`;
}

function failureText(t: CaseTransition, maxReason: number): string {
  const f = t.failure;
  if (!f) return '—';
  if (f.error) return escapeMarkdown(`error (${f.error.kind}): ${f.error.message}`, { maxLength: maxReason });
  const graders = f.graders.map((g) => `${g.grader}: ${g.reason}`).join('; ');
  return escapeMarkdown(graders || 'failed', { maxLength: maxReason });
}

function newRemovedSection(c: ComparisonDocument, maxIds: number): string {
  const lines: string[] = [];
  const ids = (list: string[]) =>
    `${list
      .slice(0, maxIds)
      .map((id) => inlineCode(id))
      .join(', ')}${list.length > maxIds ? `, and ${list.length - maxIds} more` : ''}`;
  for (const s of c.suites) {
    if (s.status === 'new') continue;
    const parts: string[] = [];
    if (s.cases.new.length) parts.push(`${s.cases.new.length} new (${ids(s.cases.new)})`);
    if (s.cases.removed.length) parts.push(`${s.cases.removed.length} removed (${ids(s.cases.removed)})`);
    if (parts.length) lines.push(`- ${inlineCode(s.id)}: ${parts.join('; ')}`);
  }
  for (const s of c.suites.filter((x) => x.status === 'new'))
    lines.push(`- ${inlineCode(s.id)}: new suite, ${plural(s.transitions.length, 'case')}`);
  for (const s of c.removedSuites)
    lines.push(`- ${inlineCode(s.id)}: suite removed, ${plural(s.cases, 'case')}`);
  if (lines.length === 0) return '';
  return `### New and removed cases\n\n${lines.join('\n')}`;
}

// ---------------------------------------------------------------- baseline

function baselineSection(c: ComparisonDocument): string {
  const b = c.baseline;
  const where = [
    b.gitSha ? inlineCode(b.gitSha.slice(0, 12)) : '',
    b.gitRef ? `on ${inlineCode(b.gitRef)}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const age =
    c.baselineAge.days === null
      ? 'its age is unknown'
      : `${ageText(Math.abs(c.baselineAge.days))} ${c.baselineAge.days >= 0 ? 'before' : 'after'} this run`;
  const lines = [
    `Baseline run ${inlineCode(b.id)}${where ? ` at ${where}` : ''}, finished ${escapeMarkdown(b.finishedAt)}: ${age}.`,
  ];
  if (c.baselineAge.stale)
    lines.push(
      `⚠️ The baseline is stale (older than ${c.baselineAge.staleAfterDays} days): re-record it on the main branch.`,
    );
  if (b.partial) lines.push('⚠️ The baseline run was interrupted; cases it did not reach count as new.');
  const changes = [
    ...c.changes.map((x) => escapeMarkdown(x, { maxLength: 300 })),
    ...c.suites.flatMap((s) =>
      s.changes.map((x) => `${inlineCode(s.id)}: ${escapeMarkdown(x, { maxLength: 300 })}`),
    ),
  ];
  if (changes.length) lines.push(`Changed since the baseline:\n\n${changes.map((x) => `- ${x}`).join('\n')}`);
  const m = c.method;
  lines.push(
    `<sub>Cases paired by id. Pass/fail with one sample per case: exact McNemar test, Newcombe interval; repeated samples and scores: Wilcoxon signed-rank, seeded paired bootstrap interval (seed ${m.seed}, ${m.bootstrapResamples} resamples). p-values Holm-adjusted within each suite, over that suite's tested metrics (each suite is its own family at α).</sub>`,
  );
  return `### Baseline\n\n${lines.join('\n\n')}`;
}
