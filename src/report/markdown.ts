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
import { cellName } from '../compare/breakdown.js';
import type {
  CaseOutcome,
  CaseTransition,
  CellRef,
  ComparisonDocument,
  DimensionCell,
  MetricComparison,
  MetricVerdict,
  SuiteComparison,
  TradeOff,
  UsageMetric,
} from '../compare/types.js';
import type { GateReason, GateVerdict, ReasonLevel, Verdict } from '../gate/types.js';
import { LAYER_LABEL } from '../graders/layers.js';
import { escapeMarkdown, htmlText, inlineCode, quoteText } from './escape.js';

/**
 * The comparison as a reviewer reads it in a PR, written for GitHub's 780 px comment column:
 *
 *   first screen   the verdict; one line of why, naming the real cause (failing blockers,
 *                  then regressed gating metrics, budgets, nothing comparable, ...); the next
 *                  step, an `evalgate` command that reproduces the failing case; the change
 *   tables         blocker failures, then one row per suite metric: `93.4% → 82.0%`, the
 *                  change, the verdict; intervals and Holm p-values in a footnote
 *                  a trade-off (one dimension or workflow better, another worse) is its own
 *                  line right under the why: a product decision, never averaged away
 *   dimensions     each dimension of quality, per workflow, baseline → now and its verdict
 *   trend          each gated suite's pass rate over the default branch's last baselines
 *   cases          those that got worse, then for each what was expected, what the baseline
 *                  said and what it says now, folded and wrapped
 *
 * One vocabulary: overall pass / fail / inconclusive (and the gate's warn and error); per
 * metric regressed / no clear change / improved. Numbers keep their units on the same line
 * (no-break spaces). Every table and list has a cap, and what a cap leaves out is counted
 * under it, by suite. Deterministic: the same documents always render the same bytes,
 * which the golden files rely on. Every string from a run or a dataset goes through escape.ts.
 */

export interface MarkdownOptions {
  /** Heading text before the verdict. */
  title?: string;
  /** Rows of each table (and items of each list) kept; the rest are counted. Default 25. */
  maxRows?: number;
  /** Rows of the blocker table kept; default maxRows. */
  maxBlockers?: number;
  /** Rows of the suite table kept; default maxRows. */
  maxSuiteRows?: number;
  /** New / removed case ids listed per suite. Default 10. */
  maxIds?: number;
  /** Characters of a failure reason kept. Default 160. */
  maxReason?: number;
  /** Cases whose outputs are shown, and the characters kept of each. Defaults 10 and 1500. */
  maxOutputs?: number;
  maxOutputChars?: number;
  /** The full output of a failing case, where the caller has the Results (the comparison keeps only its start). */
  fullOutput?: (suite: string, id: string) => string | undefined;
  /** The project's config file, named in the reproduce command when it is not `evalgate.yml`. */
  config?: string;
  /**
   * The change as the caller states it (the plan's), once, on the first screen: `text` is
   * markdown, already escaped; the comparison's changes to `components` are then not repeated.
   */
  change?: { text: string; components: string[] };
  /** Leave out the sections that only the full report has room for (layers, usage, ids, outputs). */
  essentialOnly?: boolean;
}

/** One part of the report, rendered as `### title` (or folded) by the caller. */
export interface Section {
  key: string;
  /** Heading text; none for a block that carries its own markup. */
  title?: string;
  body: string;
  /** Shown folded even in the full report: detail that would push the tables down. */
  folded?: boolean;
}

export interface ComparisonReport {
  /** The `## ✅ evalgate: pass` line. */
  headline: string;
  /** Why, next step, change: one paragraph each, right under the headline. */
  summary: string[];
  sections: Section[];
}

/** Overall verdicts. Glyphs that show on white: no pale ❔. */
export const VERDICT_ICON: Record<GateVerdict, string> = {
  pass: '✅',
  warn: '⚠️',
  inconclusive: '❓',
  fail: '❌',
  error: '🛑',
};
export const LEVEL_ICON: Record<ReasonLevel, string> = {
  info: 'ℹ️',
  warn: '⚠️',
  inconclusive: '❓',
  fail: '❌',
  error: '🛑',
};
/** Per metric: regressed / no clear change / improved (unchanged and inconclusive both say no clear change). */
export const METRIC_VERDICT: Record<MetricVerdict, string> = {
  improved: '🔺 improved',
  unchanged: '➖ no clear change',
  regressed: '🔻 regressed',
  inconclusive: '➖ no clear change',
  'not-comparable': '⛔ not comparable',
};
const BLOCKER_CODES = new Set<GateReason['code']>([
  'blocker-regressed',
  'blocker-new-failing',
  'blocker-still-failing',
  'blocker-error',
]);
const NBSP = '\u00a0';
const BASE_NOW = `baseline${NBSP}→${NBSP}now`;

export function renderComparisonMarkdown(
  comparison: ComparisonDocument,
  verdict: Verdict,
  options: MarkdownOptions = {},
): string {
  const r = comparisonReport(comparison, verdict, options);
  const sections = r.sections.map((s) => renderSection(s, s.folded ?? false));
  return `${[r.headline, ...r.summary, ...sections].join('\n\n')}\n`;
}

export function renderSection(s: Section, folded: boolean): string {
  if (!s.title) return s.body;
  if (folded) return `<details><summary>${s.title}</summary>\n\n${s.body}\n\n</details>`;
  return `### ${s.title}\n\n${s.body}`;
}

/** The report's parts, in reading order, for renderComparisonMarkdown and the PR comment to lay out. */
export function comparisonReport(
  comparison: ComparisonDocument,
  verdict: Verdict,
  options: MarkdownOptions = {},
): ComparisonReport {
  const maxRows = options.maxRows ?? 25;
  const o = {
    ...options,
    title: options.title ?? 'evalgate',
    maxRows,
    maxBlockers: options.maxBlockers ?? maxRows,
    maxSuiteRows: options.maxSuiteRows ?? maxRows,
    maxIds: options.maxIds ?? 10,
    maxReason: options.maxReason ?? 160,
    maxOutputs: options.maxOutputs ?? 10,
    maxOutputChars: options.maxOutputChars ?? 1500,
  };
  const c = comparison;
  const summary = [
    `**Why:** ${whyLine(c, verdict)}`,
    ...(c.tradeOff ? [`**Trade-off, needs a product decision:** ${tradeOffLine(c.tradeOff)}`] : []),
    `**Next step:** ${nextStep(c, verdict, o.config)}`,
    `**Change:** ${changeLine(c, o.change)}`,
  ];
  const sections: (Section | undefined)[] = [
    blockerSection(c, verdict, o.maxBlockers, o.maxReason),
    suiteSection(c, o.maxSuiteRows),
    o.essentialOnly ? undefined : dimensionSection(c, o.maxRows),
    trendSection(c),
    worseSection(c, o.maxRows, o.maxReason),
    o.essentialOnly ? undefined : outputsSection(c, verdict, o),
    reasonSection(verdict, o.maxRows),
    o.essentialOnly ? undefined : layerSection(c, o.maxRows),
    o.essentialOnly ? undefined : usageSection(c, o.maxRows),
    o.essentialOnly ? undefined : newRemovedSection(c, o.maxIds, o.maxRows),
    baselineSection(c, o.change?.components ?? []),
  ];
  return {
    headline: headline(c, verdict, o.title),
    summary,
    sections: sections.filter((s): s is Section => s !== undefined),
  };
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
export function table(rows: string[][], align?: ('l' | 'r' | 'c')[]): string {
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

/** A number and its unit (or `a → b`) that must not wrap apart. */
function glue(text: string): string {
  return text.replace(/ /g, NBSP);
}

function fromTo(a: string, b: string): string {
  return glue(`${a} → ${b}`);
}

/** "…and 290 more blocker failures: 10 in `suite-02`, 10 in `suite-03`, …", for what a cap left out. */
export function moreBySuite(rest: { suite: string }[], noun: string, many = `${noun}s`): string {
  if (rest.length === 0) return '';
  const counts = new Map<string, number>();
  for (const r of rest) counts.set(r.suite, (counts.get(r.suite) ?? 0) + 1);
  const one = [...counts.values()].every((n) => n === 1);
  const shown = [...counts].slice(0, 5).map(([s, n]) => (one ? inlineCode(s) : `${n} in ${inlineCode(s)}`));
  const others = counts.size > 5 ? `, and ${plural(counts.size - 5, 'more suite')}` : '';
  return `…and ${rest.length} more ${rest.length === 1 ? noun : many}: ${shown.join(', ')}${others}.`;
}

// ---------------------------------------------------------------- first screen

/** What drove a verdict, in words: "2 blocker cases failing", "1 metric regressed", ... (the check run's title). */
export function verdictParts(v: Verdict): string[] {
  // A blocker case can fail for more than one reason; count cases, not reasons.
  const blockers = new Set(v.reasons.filter(isBlockerFailure).map((r) => `${r.suite}\u0000${r.case}`)).size;
  const regressed = v.reasons.filter((r) => r.code === 'metric-regressed').length;
  const parts: string[] = [];
  if (blockers) parts.push(`${plural(blockers, 'blocker case')} failing`);
  if (regressed) parts.push(`${plural(regressed, 'metric')} regressed`);
  if (v.reasons.some((r) => r.code === 'trade-off')) parts.push('a trade-off');
  if (v.counts.error) parts.push(plural(v.counts.error, 'error'));
  if (v.counts.inconclusive) parts.push(`${v.counts.inconclusive} inconclusive`);
  if (v.counts.warn) parts.push(plural(v.counts.warn, 'warning'));
  return parts;
}

/**
 * Every metric row that could be judged said "no clear change" for want of evidence (none
 * shown unchanged, improved or regressed): a pass then means only that nothing failed.
 */
function nothingConclusive(c: ComparisonDocument): boolean {
  const judged = c.suites
    .filter((s) => s.status === 'comparable')
    .flatMap((s) => s.metrics.filter(worthARow))
    .filter((m) => m.verdict !== 'not-comparable');
  return judged.every((m) => m.verdict === 'inconclusive');
}

/** The verdict line; a pass over rows that all lack evidence says what it means. */
function headline(c: ComparisonDocument, v: Verdict, title: string): string {
  const head = `## ${VERDICT_ICON[v.verdict]} ${escapeMarkdown(title)}: ${v.verdict}`;
  if (v.verdict === 'pass' && nothingConclusive(c)) return `${head} — no blocker failed, no clear change`;
  if (v.verdict === 'warn') return `${head} — passes, with warnings`;
  return head;
}

/** Order in which causes are named: the first present is the real cause. */
const CAUSES: { key: string; codes: ReadonlySet<GateReason['code']> | null }[] = [
  { key: 'blockers', codes: BLOCKER_CODES },
  {
    key: 'errors',
    codes: new Set([
      'infrastructure-errors',
      'grader-errors',
      'run-partial',
      'comparison-unsupported',
      'baseline-errors',
    ]),
  },
  { key: 'regressed', codes: new Set(['metric-regressed']) },
  { key: 'trade-off', codes: new Set(['trade-off']) },
  { key: 'budgets', codes: new Set(['budget-relative', 'budget-absolute', 'budget-not-compared']) },
  {
    key: 'comparability',
    codes: new Set([
      'nothing-compared',
      'nothing-comparable',
      'suite-not-comparable',
      'cases-unpaired',
      'suite-new',
      'suite-removed',
      'blocker-removed',
      'baseline-partial',
      'baseline-stale',
    ]),
  },
  { key: 'inconclusive', codes: new Set(['metric-inconclusive']) },
  { key: 'other', codes: null },
];

function causeOf(r: GateReason): string {
  return CAUSES.find((x) => x.codes === null || x.codes.has(r.code))!.key;
}

/** The reasons that decided the verdict: those at its level (fail and error together). */
function deciding(v: Verdict): GateReason[] {
  const levels: ReasonLevel[] =
    v.verdict === 'fail' || v.verdict === 'error'
      ? ['fail', 'error']
      : v.verdict === 'inconclusive'
        ? ['inconclusive']
        : v.verdict === 'warn'
          ? ['warn']
          : [];
  return v.reasons.filter((r) => levels.includes(r.level));
}

function findMetric(
  c: ComparisonDocument,
  r: GateReason,
): { s: SuiteComparison; m: MetricComparison } | undefined {
  const s = c.suites.find((x) => x.id === r.suite);
  const m = s?.metrics.find((x) => x.metric === r.metric);
  return s && m ? { s, m } : undefined;
}

function where(r: GateReason): string {
  const parts = [r.suite, r.case].filter((x): x is string => x !== undefined).map((x) => inlineCode(x));
  return parts.join(' / ');
}

function blockerCases(reasons: GateReason[]): GateReason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    const k = `${r.suite}\u0000${r.case}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** One cause, in words, for the Why line. */
function describeCause(c: ComparisonDocument, key: string, reasons: GateReason[], first: boolean): string {
  const r = reasons[0]!;
  switch (key) {
    case 'blockers': {
      const cases = blockerCases(reasons);
      const t = transitionOf(c, r.suite, r.case);
      const was = !t?.baseline
        ? 'a new case'
        : t.baseline.status === 'pass'
          ? 'it passed on the baseline'
          : `it was ${t.baseline.status} on the baseline too`;
      const verb = t?.current.status === 'error' ? 'errors' : 'fails';
      if (cases.length === 1) return `blocker case ${where(r)} ${verb} (${was})`;
      const suites = new Set(cases.map((x) => x.suite)).size;
      return `${cases.length} blocker cases fail${suites > 1 ? ` in ${suites} suites` : ''}${first ? `, first ${where(r)} (${was})` : ''}`;
    }
    case 'regressed': {
      const found = findMetric(c, r);
      const what = found
        ? `${inlineCode(found.s.id)} ${escapeMarkdown(found.m.label)} ${fromTo(formatValue(found.m.metric, found.m.baseline), formatValue(found.m.metric, found.m.current))}`
        : escapeMarkdown(r.message, { maxLength: 160 });
      return reasons.length === 1
        ? `gating metric regressed: ${what}`
        : `${reasons.length} gating metrics regressed${first ? `, first ${what}` : ''}`;
    }
    case 'trade-off':
      // Its cells are on the next line; said once.
      return 'the change trades one dimension or workflow against another';
    case 'inconclusive': {
      const found = findMetric(c, r);
      const what = found ? `${inlineCode(found.s.id)} ${escapeMarkdown(found.m.label)}` : where(r);
      const more = reasons.length > 1 ? ` (and ${reasons.length - 1} more)` : '';
      return `no clear change could be shown for ${what}${more}: ${escapeMarkdown(found?.m.reason ?? r.message, { maxLength: 160 })}`;
    }
    default: {
      const at = where(r);
      const more = reasons.length > 1 ? ` (and ${reasons.length - 1} more)` : '';
      return `${at ? `${at}: ` : ''}${escapeMarkdown(r.message, { maxLength: 160 })}${more}`;
    }
  }
}

/** One line naming the real cause (the first of CAUSES present), and what else decided the verdict. */
function whyLine(c: ComparisonDocument, v: Verdict): string {
  const decisive = deciding(v);
  if (decisive.length === 0) {
    if (v.verdict === 'pass' && nothingConclusive(c)) {
      const compared = c.suites.some((s) => s.status === 'comparable');
      return compared
        ? 'no blocker case failed and no gating metric regressed, but no change could be shown either way: the intervals are too wide to rule out one that matters (footnote under the suites).'
        : 'no blocker case failed; nothing was compared with a baseline.';
    }
    const improved = c.suites.flatMap((s) => s.metrics).filter((m) => m.verdict === 'improved').length;
    return `no blocker case failed and no gating metric regressed${improved ? `; ${plural(improved, 'metric')} improved` : ''}.`;
  }
  const groups = new Map<string, GateReason[]>();
  for (const r of decisive) {
    const key = causeOf(r);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const ordered = CAUSES.map((x) => x.key).filter((k) => groups.has(k));
  const [main, ...rest] = ordered;
  const also = rest.map((k) => describeCause(c, k, groups.get(k)!, false));
  return `${describeCause(c, main!, groups.get(main!)!, true)}${also.length ? `; also ${also.join('; ')}` : ''}.`;
}

/** A shell word: bare when safe, else single-quoted. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9._:/@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Whether the command can carry the text exactly: a code span shows one line (whitespace
 * runs and controls would be changed) and breaks HTML comment delimiters with a zero-width
 * space, and a long word would be cut.
 */
function quotable(s: string): boolean {
  return (
    [...s].length <= 120 &&
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    !/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[^\S ]| {2}|^ | $|<!--|--!?>/.test(s)
  );
}

/**
 * The `evalgate run` that reproduces one case (or suite) locally, with the flags the CLI has
 * (`--config`, `--suite`, `--filter id=`; cli/commands/run.ts, cli/select.ts), each word
 * shell-quoted. An id the command cannot carry exactly is left out (the suite is run), never
 * mangled into a command that selects something else.
 */
export function reproduceCommand(config: string | undefined, suite?: string, id?: string): string {
  const args = ['npx', 'evalgate', 'run'];
  if (config && config !== 'evalgate.yml' && quotable(config)) args.push('--config', shellWord(config));
  if (suite !== undefined && quotable(suite)) {
    args.push('--suite', shellWord(suite));
    if (id !== undefined && quotable(id)) args.push('--filter', shellWord(`id=${id}`));
  }
  return inlineCode(args.join(' '), { maxLength: 1000 });
}

/** The case of a suite that fell furthest, to reproduce. */
function worstCase(c: ComparisonDocument, suite: string | undefined): CaseTransition | undefined {
  const s = c.suites.find((x) => x.id === suite);
  return s?.transitions.filter((t) => t.change === 'worse').sort((a, b) => drop(b) - drop(a))[0];
}

function nextStep(c: ComparisonDocument, v: Verdict, config: string | undefined): string {
  const decisive = deciding(v);
  const first = (key: string) => decisive.find((r) => causeOf(r) === key);
  const blocker = first('blockers');
  if (blocker)
    return `reproduce the failing case locally:\\\n→ ${reproduceCommand(config, blocker.suite, blocker.case)}`;
  const error = first('errors');
  if (error)
    return `check that the target answers, then run the suite locally:\\\n→ ${reproduceCommand(config, error.suite)}`;
  for (const key of ['regressed', 'inconclusive']) {
    const r = first(key);
    if (!r) continue;
    const worst = worstCase(c, r.suite);
    return worst
      ? `reproduce the case that fell furthest locally:\\\n→ ${reproduceCommand(config, r.suite, worst.id)}`
      : `run the suite locally:\\\n→ ${reproduceCommand(config, r.suite)}`;
  }
  const tradeOff = first('trade-off');
  if (tradeOff)
    return `decide whether this trade is wanted (cells under “By dimension and workflow”); run the suite locally:\\\n→ ${reproduceCommand(config, tradeOff.suite ?? c.tradeOff?.regressed[0]?.suite)}`;
  const budget = first('budgets');
  if (budget) return `measure it locally:\\\n→ ${reproduceCommand(config, budget.suite)}`;
  const comparability = first('comparability');
  if (comparability)
    return `re-record the baseline on the default branch (${inlineCode('npx evalgate run')}, then ${inlineCode('npx evalgate baseline save')}), then run this check again.`;
  if (decisive.length) return 'read the reasons below.';
  const worse = c.suites.reduce((n, s) => n + s.transitions.filter((t) => t.change === 'worse').length, 0);
  return worse
    ? `nothing required; ${plural(worse, 'case')} got worse without failing the gate (listed below).`
    : 'nothing required.';
}

function changeLine(c: ComparisonDocument, stated: MarkdownOptions['change']): string {
  const compared = c.suites.filter((s) => s.status === 'comparable');
  const paired = compared.reduce((n, s) => n + s.cases.comparable, 0);
  const components = c.changes.filter((x) => x.startsWith('component '));
  const what =
    stated?.text ??
    (components.length
      ? `${components
          .slice(0, 3)
          .map((x) => escapeMarkdown(x.replace(/^component /, ''), { maxLength: 160 }))
          .join('; ')}${components.length > 3 ? `; and ${components.length - 3} more` : ''}`
      : 'no component version differs from the baseline run');
  return `${what} · compared with the baseline${baselineLabel(c)}: ${plural(compared.length, 'suite')}, ${plural(paired, 'paired case')}.`;
}

function baselineLabel(c: ComparisonDocument): string {
  const sha = c.baseline.gitSha ? ` ${inlineCode(c.baseline.gitSha.slice(0, 7))}` : '';
  const age =
    c.baselineAge.days === null
      ? ''
      : ` (${glue(`${ageText(c.baselineAge.days)} old${c.baselineAge.stale ? ', stale' : ''}`)})`;
  return `${sha}${age}`;
}

function ageText(days: number): string {
  if (days < 1 / 24) return 'under an hour';
  if (days < 1) return plural(Math.round(days * 24), 'hour');
  return `${days.toFixed(1)} days`;
}

// ---------------------------------------------------------------- blockers and reasons

function transitionOf(c: ComparisonDocument, suite?: string, id?: string): CaseTransition | undefined {
  return c.suites.find((s) => s.id === suite)?.transitions.find((x) => x.id === id);
}

function blockerSection(
  c: ComparisonDocument,
  v: Verdict,
  max: number,
  maxReason: number,
): Section | undefined {
  const failing = blockerCases(v.reasons.filter(isBlockerFailure));
  if (failing.length === 0) return undefined;
  const items = failing.slice(0, max).map((r) => {
    const t = transitionOf(c, r.suite, r.case);
    // After confirmation, what the fresh samples in each arm showed, then the grader's reason.
    const why = [
      r.evidence && `**${escapeMarkdown(r.evidence, { maxLength: maxReason })}**`,
      t?.failure ? failureText(t, maxReason) : escapeMarkdown(r.message, { maxLength: maxReason }),
    ]
      .filter(Boolean)
      .join(' · ');
    return {
      suite: r.suite ?? '',
      line: `${inlineCode(r.case ?? '')}: ${fromTo(t?.baseline ? outcomeText(t.baseline) : 'new', t ? outcomeText(t.current) : '—')} · ${why}`,
    };
  });
  const more = moreBySuite(
    failing.slice(max).map((r) => ({ suite: r.suite ?? '' })),
    'blocker failure',
  );
  return {
    key: 'blockers',
    title: `❌ Blocker failures (${failing.length})`,
    body: `${caseList(items)}${more ? `\n\n${more}` : ''}`,
  };
}

/**
 * Cases as a list grouped by suite (in order of first appearance), one line each: the
 * case, baseline → now, why. A list, not a table: the why is prose, and beside it in a
 * table every other column is squeezed until ids and outcomes break over lines.
 */
export function caseList(items: { suite: string; line: string }[]): string {
  const groups = new Map<string, string[]>();
  for (const i of items) groups.set(i.suite, [...(groups.get(i.suite) ?? []), i.line]);
  return [...groups]
    .map(([suite, lines]) => `- ${inlineCode(suite)}\n${lines.map((l) => `  - ${l}`).join('\n')}`)
    .join('\n');
}

/** The verdict's other reasons (warnings, what was not comparable), then the informational notes folded. */
function reasonSection(v: Verdict, max: number): Section | undefined {
  const shown = v.reasons.filter((r) => r.level !== 'info' && !isBlockerFailure(r));
  // What changed since the baseline is said once, on the first screen and under the baseline.
  const notes = v.reasons.filter((r) => r.level === 'info' && r.code !== 'fingerprint-changed');
  const out: string[] = [];
  if (shown.length) out.push(listOf(shown.map(reasonLine), max));
  if (notes.length)
    out.push(
      `<details><summary>${plural(notes.length, 'note')}</summary>\n\n${listOf(notes.map(reasonLine), max)}\n\n</details>`,
    );
  if (out.length === 0) return undefined;
  return shown.length
    ? { key: 'why', title: 'Reasons', body: out.join('\n\n') }
    : { key: 'notes', body: out.join('\n\n') };
}

export function reasonLine(r: GateReason): string {
  const at = where(r);
  return `- ${LEVEL_ICON[r.level]} ${at ? `${at}: ` : ''}${escapeMarkdown(r.message, { maxLength: 400 })}`;
}

export function listOf(lines: string[], max: number): string {
  const kept = lines.slice(0, max);
  if (lines.length > kept.length) kept.push(`- …and ${lines.length - kept.length} more`);
  return kept.join('\n');
}

// ---------------------------------------------------------------- suites

function suiteSection(c: ComparisonDocument, max: number): Section | undefined {
  if (c.suites.length === 0) return undefined;
  const rows: { suite: string; cells: string[] }[] = [];
  const notes: string[] = [];
  const details: string[] = [];
  for (const s of c.suites) {
    const metrics =
      s.status === 'comparable'
        ? s.metrics.filter(worthARow)
        : s.metrics.filter((m) => m.metric === 'passRate');
    metrics.forEach((m, i) => {
      rows.push({ suite: s.id, cells: metricRow(s, m, i === 0) });
      if (s.status === 'comparable' && (m.interval || m.pAdjusted !== null)) details.push(intervalLine(s, m));
    });
    if (s.status !== 'comparable')
      notes.push(
        `- ${inlineCode(s.id)}: ${s.status === 'new' ? 'new suite' : 'not comparable'}: ${escapeMarkdown(s.reasons.join('; '), { maxLength: 300 })}`,
      );
  }
  const body = [
    table(
      [['suite', 'metric', BASE_NOW, 'change', 'verdict'], ...rows.slice(0, max).map((r) => r.cells)],
      ['l', 'l', 'r', 'r', 'l'],
    ),
  ];
  const more = moreBySuite(rows.slice(max), 'suite row');
  if (more) body.push(more);
  if (notes.length) body.push(listOf(notes, max));
  if (details.length)
    body.push(
      `<details><summary>Intervals and p-values</summary>\n\n${listOf(details, max)}\n\n${methodNote(c)}\n\n</details>`,
    );
  return { key: 'suites', title: 'Suites', body: body.join('\n\n') };
}

/** An error or refusal rate that was 0 in both runs says nothing; every other metric gets its row. */
function worthARow(m: MetricComparison): boolean {
  if (m.metric !== 'errorRate' && m.metric !== 'refusalRate') return true;
  return (m.baseline ?? 0) > 0 || (m.current ?? 0) > 0;
}

function metricRow(s: SuiteComparison, m: MetricComparison, first: boolean): string[] {
  return [
    first ? `${inlineCode(s.id, { table: true })}${NBSP}·${NBSP}${s.tier}` : '',
    glue(escapeMarkdown(m.label)),
    fromTo(formatValue(m.metric, m.baseline), formatValue(m.metric, m.current)),
    glue(formatDelta(m.metric, m.delta)),
    // The values are every paired case's; the verdict is what fresh samples then settled.
    glue(`${METRIC_VERDICT[m.verdict]}${m.settledBy ? ' (re-sampled)' : ''}`),
  ];
}

function intervalLine(s: SuiteComparison, m: MetricComparison): string {
  const ci = m.interval
    ? `${Math.round((1 - m.alpha) * 100)}% interval ${formatInterval(m.metric, m.interval)
        .split(' to ')
        .map(glue)
        .join(' to ')}`
    : 'no interval';
  return `- ${inlineCode(s.id)} ${escapeMarkdown(m.label)}, ${plural(m.n, 'paired case')}: ${ci}, p${NBSP}=${NBSP}${formatP(m.pAdjusted)} (Holm); ${escapeMarkdown(m.reason, { maxLength: 300 })}`;
}

function methodNote(c: ComparisonDocument): string {
  const m = c.method;
  return `<sub>Cases paired by id. Pass/fail with one sample per case: exact McNemar test, Newcombe interval; repeated samples and scores: Wilcoxon signed-rank, seeded paired bootstrap interval (seed ${m.seed}, ${m.bootstrapResamples} resamples). p-values Holm-adjusted within each suite, over that suite's tested metrics (each suite is its own family at α).</sub>`;
}

// ---------------------------------------------------------------- trend

/** Gated suites' pass rate over the default branch's last baselines, as Mermaid charts (GitHub draws them). */
function trendSection(c: ComparisonDocument): Section | undefined {
  const charts = c.suites
    .filter((s) => s.tier === 'trusted' && (s.history?.length ?? 0) >= 2)
    .slice(0, 5)
    .map((s) => trendChart(s));
  if (charts.length === 0) return undefined;
  return { key: 'trend', title: 'Pass rate on the default branch', body: charts.join('\n\n') };
}

/** Only characters that cannot end a quoted Mermaid string or the fence. */
function mermaidText(s: string, max = 60): string {
  const clean = s.replace(/[^A-Za-z0-9 _.:/()%·,+-]/g, '_');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

export function trendChart(s: SuiteComparison): string {
  const points = s.history!.filter((h) => h.passRate !== null);
  const labels: string[] = [];
  for (const h of points) {
    const base =
      h.commit && /^[0-9a-f]{7,}$/i.test(h.commit)
        ? h.commit.slice(0, 7)
        : mermaidText(h.recordedAt.slice(5, 10));
    let label = base;
    for (let i = 2; labels.includes(label); i++) label = `${base} (${i})`;
    labels.push(label);
  }
  const values = points.map((h) => Math.round(h.passRate! * 1000) / 10);
  const now = s.overall.current.passRate;
  const low = Math.max(0, Math.floor((Math.min(...values, now === null ? 100 : now * 100) - 5) / 5) * 5);
  const title = `${mermaidText(s.id)} pass rate (%), last ${points.length} baselines${now === null ? '' : `; this PR ${(now * 100).toFixed(1)}`}`;
  return [
    '```mermaid',
    'xychart-beta',
    `    title "${title}"`,
    `    x-axis [${labels.map((l) => `"${l}"`).join(', ')}]`,
    `    y-axis "pass rate (%)" ${low} --> 100`,
    `    line [${values.join(', ')}]`,
    '```',
  ].join('\n');
}

// ---------------------------------------------------------------- layers and usage

/** Which layer of evaluation moved, per suite: share of passing verdicts, baseline and now. */
function layerSection(c: ComparisonDocument, max: number): Section | undefined {
  const share = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
  const rows = c.suites.flatMap((s) =>
    (s.layers ?? []).map((l, i) => ({
      suite: s.id,
      cells: [
        i === 0 ? inlineCode(s.id, { table: true }) : '',
        glue(LAYER_LABEL[l.layer]),
        fromTo(share(l.baseline), share(l.current)),
        glue(formatDelta('passRate', l.delta)),
        `${l.verdicts.current}`,
      ],
    })),
  );
  if (rows.length === 0) return undefined;
  const more = moreBySuite(rows.slice(max), 'layer row');
  return {
    key: 'layers',
    title: 'What moved, by layer',
    body: `${table(
      [['suite', 'layer', BASE_NOW, 'change', 'verdicts'], ...rows.slice(0, max).map((r) => r.cells)],
      ['l', 'l', 'r', 'r', 'r'],
    )}${more ? `\n\n${more}` : ''}`,
  };
}

// ---------------------------------------------------------------- dimensions and workflows

/** The cells a trade-off names, at most this many on each side; the rest are counted. */
const TRADE_OFF_CELLS = 3;

/**
 * The trade-off, on the first screen: which cells improved and which regressed, each
 * baseline → now. Workflow and suite names come from user files: code spans.
 */
export function tradeOffLine(t: TradeOff): string {
  const suites = new Set([...t.improved, ...t.regressed].map((x) => x.suite));
  const many = suites.size > 1;
  const cell = (x: CellRef) => {
    const what = `${x.dimension}${x.workflow === null ? '' : ` of ${inlineCode(x.workflow, { maxLength: 60 })}`}`;
    const value = fromTo(formatValue('passRate', x.baseline), formatValue('passRate', x.current));
    return `${many ? `${inlineCode(x.suite, { maxLength: 60 })} ` : ''}${what} ${value}`;
  };
  const list = (cells: CellRef[]) =>
    `${cells.slice(0, TRADE_OFF_CELLS).map(cell).join(', ')}${cells.length > TRADE_OFF_CELLS ? ` and ${cells.length - TRADE_OFF_CELLS} more` : ''}`;
  const where = many ? '' : `in ${inlineCode([...suites][0]!, { maxLength: 60 })}, `;
  return `${where}${list(t.improved)} improved while ${list(t.regressed)} regressed (each significant; cells below).`;
}

/**
 * Each dimension of quality, then each per workflow, for the comparable suites that have
 * more than one cell: baseline → now, the change, the verdict (or why a cell was not
 * tested); intervals and Holm p-values folded under it, as for the suites.
 */
function dimensionSection(c: ComparisonDocument, max: number): Section | undefined {
  const rows: { suite: string; cells: string[] }[] = [];
  const details: string[] = [];
  for (const s of c.suites) {
    const cells = s.status === 'comparable' ? (s.dimensions ?? []) : [];
    if (cells.length < 2) continue;
    cells.forEach((m, i) => {
      rows.push({ suite: s.id, cells: cellRow(s, m, i === 0) });
      if (!m.tooFewCases && (m.interval || m.pAdjusted !== null))
        details.push(intervalLine(s, { ...m, label: cellName(m) }));
    });
  }
  if (rows.length === 0) return undefined;
  const body = [
    table(
      [
        ['suite', `dimension${NBSP}/${NBSP}workflow`, BASE_NOW, 'change', 'verdict'],
        ...rows.slice(0, max).map((r) => r.cells),
      ],
      ['l', 'l', 'r', 'r', 'l'],
    ),
  ];
  const more = moreBySuite(rows.slice(max), 'dimension row');
  if (more) body.push(more);
  const method =
    "<sub>Per dimension: the share of graded samples whose verdicts of that dimension all passed (a grader's `dimension:`, or its type's default). Per workflow: the cases tagged with it. A cell is tested like the pass rate when it has enough paired cases; its p-values are Holm-adjusted over the suite's cells, a family of their own. One cell improved and another regressed is a trade-off.</sub>";
  body.push(
    details.length
      ? `<details><summary>Intervals and p-values</summary>\n\n${listOf(details, max)}\n\n${method}\n\n</details>`
      : method,
  );
  return { key: 'dimensions', title: 'By dimension and workflow', body: body.join('\n\n') };
}

function cellRow(s: SuiteComparison, m: DimensionCell, first: boolean): string[] {
  // A workflow's cell sits under its dimension's overall one: the arrow says whose it is.
  const what =
    m.workflow === null ? m.dimension : `↳${NBSP}${inlineCode(m.workflow, { table: true, maxLength: 32 })}`;
  return [
    first ? inlineCode(s.id, { table: true }) : '',
    what,
    fromTo(formatValue(m.metric, m.baseline), formatValue(m.metric, m.current)),
    glue(formatDelta(m.metric, m.delta)),
    m.tooFewCases ? glue(`too few cases (${m.n})`) : glue(METRIC_VERDICT[m.verdict]),
  ];
}

function usageSection(c: ComparisonDocument, max: number): Section | undefined {
  const agents = agentUsage(c, max);
  const rows = c.suites
    .filter((s) => s.usage.latencyMs.current || s.usage.tokensPerCase.current || s.usage.costPerCase.current)
    .map((s) => ({
      suite: s.id,
      cells: [
        inlineCode(s.id, { table: true }),
        usageCell(s.usage.latencyMs, 'p95', (v) => `${Math.round(v)} ms`),
        usageCell(s.usage.tokensPerCase, 'mean', (v) => String(Math.round(v))),
        usageCell(s.usage.costPerCase, 'mean', formatUsd),
      ],
    }));
  if (rows.length === 0 && !agents) return undefined;
  const more = moreBySuite(rows.slice(max), 'suite');
  const parts = rows.length
    ? [
        `${table(
          [
            ['suite', 'p95 latency', 'tokens per case', 'cost per case'],
            ...rows.slice(0, max).map((r) => r.cells),
          ],
          ['l', 'r', 'r', 'r'],
        )}${more ? `\n\n${more}` : ''}`,
      ]
    : [];
  if (agents) parts.push(agents);
  return {
    key: 'usage',
    title: agents ? 'Latency, tokens, cost, tool calls and abstention' : 'Latency, tokens and cost',
    body: parts.join('\n\n'),
  };
}

/**
 * Tool calls per case and the abstention rate, beside quality: a change can keep every
 * answer passing and still stop saying "I don't know", or double an agent's tool churn.
 * Only suites where either was seen (an abstention rate of 0 in both runs says nothing).
 */
function agentUsage(c: ComparisonDocument, max: number): string | undefined {
  const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
  const rows = c.suites
    .filter((s) => {
      const a = s.usage.abstentionRate;
      return s.usage.toolCallsPerCase || (a && ((a.baseline?.mean ?? 0) > 0 || (a.current?.mean ?? 0) > 0));
    })
    .map((s) => ({
      suite: s.id,
      cells: [
        inlineCode(s.id, { table: true }),
        s.usage.toolCallsPerCase ? usageCell(s.usage.toolCallsPerCase, 'mean', (v) => v.toFixed(2)) : '—',
        s.usage.abstentionRate ? usageCell(s.usage.abstentionRate, 'mean', pct) : '—',
      ],
    }));
  if (rows.length === 0) return undefined;
  const more = moreBySuite(rows.slice(max), 'suite');
  return `${table(
    [['suite', 'tool calls per case', 'abstention rate'], ...rows.slice(0, max).map((r) => r.cells)],
    ['l', 'r', 'r'],
  )}${more ? `\n\n${more}` : ''}`;
}

function usageCell(u: UsageMetric, stat: 'p95' | 'mean', show: (v: number) => string): string {
  if (!u.current) return '—';
  if (!u.baseline) return glue(show(u.current[stat]));
  return `${fromTo(show(u.baseline[stat]), show(u.current[stat]))} (${formatPct(u.changePct?.[stat] ?? null)})`;
}

// ---------------------------------------------------------------- cases

interface Worse {
  s: SuiteComparison;
  t: CaseTransition;
}

/** Cases of comparable suites that fell, failing blockers aside (they have their table); the worst first. */
function worseCases(c: ComparisonDocument): Worse[] {
  return c.suites
    .filter((s) => s.status === 'comparable')
    .flatMap((s) =>
      s.transitions
        .filter((t) => t.change === 'worse' && !(t.blocker && t.current.status !== 'pass'))
        .map((t) => ({ s, t })),
    )
    .sort((a, b) => drop(b.t) - drop(a.t));
}

function worseSection(c: ComparisonDocument, max: number, maxReason: number): Section | undefined {
  const worse = worseCases(c);
  if (worse.length === 0) return undefined;
  const items = worse.slice(0, max).map(({ s, t }) => ({
    suite: s.id,
    line: `${inlineCode(t.id)}: ${fromTo(outcomeText(t.baseline!), outcomeText(t.current))} · ${failureText(t, maxReason)}`,
  }));
  const more = moreBySuite(
    worse.slice(max).map(({ s }) => ({ suite: s.id })),
    'case that got worse',
    'cases that got worse',
  );
  return {
    key: 'worse',
    title: `Cases that got worse (${worse.length})`,
    body: `${caseList(items)}${more ? `\n\n${more}` : ''}`,
  };
}

/**
 * For the cases a reviewer looks at first (failing blockers, then those that got worse):
 * what the graders expected, what the baseline said (where its privacy mode kept it) and
 * what it says now, each folded, the outputs as wrapping quotes.
 */
function outputsSection(
  c: ComparisonDocument,
  v: Verdict,
  o: {
    maxOutputs: number;
    maxOutputChars: number;
    maxReason: number;
    fullOutput?: MarkdownOptions['fullOutput'];
  },
): Section | undefined {
  const blockers = blockerCases(v.reasons.filter(isBlockerFailure))
    .map((r) => {
      const s = c.suites.find((x) => x.id === r.suite);
      const t = s?.transitions.find((x) => x.id === r.case);
      return s && t ? { s, t, blocker: true } : undefined;
    })
    .filter((x): x is Worse & { blocker: boolean } => x !== undefined);
  const all = [...blockers, ...worseCases(c).map((w) => ({ ...w, blocker: false }))];
  if (all.length === 0) return undefined;
  const blocks = all.slice(0, o.maxOutputs).map(({ s, t, blocker }) => {
    const now = o.fullOutput?.(s.id, t.id) ?? t.failure?.output;
    const expected = t.failure ? failureText(t, o.maxReason * 2) : '_no failing grader recorded_';
    const baseline =
      s.baselinePrivacy === 'hash'
        ? '_not kept: the baseline stores outputs as hashes (`privacy: hash`)_'
        : t.baselineOutput !== undefined
          ? quoteText(t.baselineOutput, { maxLength: o.maxOutputChars })
          : t.baseline
            ? '_not in this comparison (`evalgate run --base` adds it from the baseline store)_'
            : '_none: a new case_';
    const privacy =
      s.baselinePrivacy && s.baselinePrivacy !== 'raw' && t.baselineOutput !== undefined
        ? ` (${s.baselinePrivacy})`
        : '';
    const summary = htmlText(
      `${s.id} / ${t.id}${blocker ? ' (blocker)' : ''}: ${t.baseline ? outcomeText(t.baseline) : 'new'} → ${outcomeText(t.current)}`,
      { maxLength: 160 },
    );
    return [
      `<details><summary>${summary}</summary>`,
      `**Expected:** ${expected}`,
      `**Baseline said${privacy}:**`,
      baseline,
      '**Now says:**',
      now === undefined || now === '' ? '_no output_' : quoteText(now, { maxLength: o.maxOutputChars }),
      '</details>',
    ].join('\n\n');
  });
  const more = moreBySuite(
    all.slice(o.maxOutputs).map(({ s }) => ({ suite: s.id })),
    'case',
  );
  return {
    key: 'outputs',
    title: 'Expected, the baseline and now, case by case',
    body: `${blocks.join('\n\n')}${more ? `\n\n${more}` : ''}`,
  };
}

/** How far the pass fraction fell; stable sort keeps suite and case order for ties. */
function drop(t: CaseTransition): number {
  return t.baseline ? fraction(t.baseline) - fraction(t.current) : 0;
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

function newRemovedSection(c: ComparisonDocument, maxIds: number, max: number): Section | undefined {
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
  if (lines.length === 0) return undefined;
  return { key: 'new-removed', title: 'New and removed cases', body: listOf(lines, max) };
}

// ---------------------------------------------------------------- baseline

/**
 * Which run was compared with, its age, and what else differs from it: component changes
 * are on the first screen (the Change line), the comparison's or the caller's (`stated`),
 * and are not repeated; a component the caller's change does not name is listed here.
 */
function baselineSection(c: ComparisonDocument, stated: string[]): Section {
  const b = c.baseline;
  const at = [b.gitSha ? inlineCode(b.gitSha.slice(0, 12)) : '', b.gitRef ? `on ${inlineCode(b.gitRef)}` : '']
    .filter(Boolean)
    .join(' ');
  const age =
    c.baselineAge.days === null
      ? 'its age is unknown'
      : `${ageText(Math.abs(c.baselineAge.days))} ${c.baselineAge.days >= 0 ? 'before' : 'after'} this run`;
  const lines = [
    `Baseline run ${inlineCode(b.id)}${at ? ` at ${at}` : ''}, finished ${escapeMarkdown(b.finishedAt)}: ${age}.`,
  ];
  if (c.baselineAge.stale)
    lines.push(
      `⚠️ The baseline is stale (older than ${c.baselineAge.staleAfterDays} days): re-record it on the main branch.`,
    );
  if (b.partial) lines.push('⚠️ The baseline run was interrupted; cases it did not reach count as new.');
  const changes = [
    ...c.changes
      .filter((x) =>
        !x.startsWith('component ')
          ? true
          : stated.length
            ? !stated.includes(x.split(' ')[1]!)
            : c.changes.filter((y) => y.startsWith('component ')).length > 3,
      )
      .map((x) => escapeMarkdown(x, { maxLength: 300 })),
    ...c.suites.flatMap((s) =>
      s.changes.map((x) => `${inlineCode(s.id)}: ${escapeMarkdown(x, { maxLength: 300 })}`),
    ),
  ];
  if (changes.length)
    lines.push(
      `Also different from the baseline run:\n\n${listOf(
        changes.map((x) => `- ${x}`),
        25,
      )}`,
    );
  return { key: 'baseline', title: 'Baseline', body: lines.join('\n\n'), folded: true };
}
