import { plural } from '../compare/format.js';
import type { ComparisonDocument } from '../compare/types.js';
import type { Verdict } from '../gate/types.js';
import { describeReason } from '../plan/render.js';
import type { Plan, Reason } from '../plan/types.js';
import type { CaseResult, ResultsDocument } from '../results/types.js';
import { escapeMarkdown, inlineCode } from './escape.js';
import {
  comparisonReport,
  caseList,
  listOf,
  moreBySuite,
  reasonLine,
  renderSection,
  reproduceCommand,
  table,
  VERDICT_ICON,
  type MarkdownOptions,
  type Section,
} from './markdown.js';

const NBSP = '\u00a0';

/**
 * The report a PR shows, in three places: the sticky comment (here), the check run
 * (check-run.ts) and the step summary (step-summary.ts). One renderer (markdown.ts lays out
 * the comparison; the plan's change, what ran and why, and the run without a baseline are
 * added here), one size budget per place. Every table and list is capped at every level,
 * and what a cap leaves out is counted under it by suite. When the report does not fit,
 * detail is given up in steps rather than the publish failing (dorny/test-reporter's approach):
 *
 *   0 full       tables and lists of 25 rows, failing outputs of 10 cases
 *   1 folded     every detail section folded into <details>, outputs cut short
 *   2 trimmed    every table and list cut to 10 rows, outputs of 3 cases
 *   3 pointer    the first screen, the blocker failures and the suite table (10 rows
 *                each), and where the rest is (step summary, artifact)
 *   4 cut        as 3 with fewer blocker and suite rows, as many as fit
 *
 * Every step keeps the first screen (verdict, why, next step, change), is well-formed
 * markdown (sections are added or left out whole, so fences and <details> stay balanced)
 * and its notice says exactly what it left out.
 */

export interface ReportLinks {
  checkRun?: string;
  artifact?: string;
  stepSummary?: string;
  run?: string;
}

export interface ReportInput {
  plan?: Plan;
  comparison?: ComparisonDocument;
  verdict: Verdict;
  /** The current run: longer failing outputs than the comparison keeps, and a table when there is no baseline. */
  results?: ResultsDocument;
  links?: ReportLinks;
  /** The commit the verdict is for, named (linked) on the headline; the PR comment also hides it in a line. */
  commit?: CommitRef;
}

export interface ReportBudget {
  /** Largest size allowed, in the unit `measure` counts. */
  max: number;
  measure: (text: string) => number;
  /** How the notice names the limit, e.g. "GitHub's 65,536-character comment limit". */
  limitLabel: string;
  /** Prepended to every level (the sticky comment's marker); counted against the budget. */
  prefix?: string;
  /** Whether the pointer may send readers to the step summary (not from the step summary itself). */
  pointToStepSummary?: boolean;
}

export interface RenderedReport {
  body: string;
  /** 0 full … 4 cut; see the top of this file. */
  level: 0 | 1 | 2 | 3 | 4;
}

/** A commit as the comment names it: the short sha, linked when there is a URL. */
export interface CommitRef {
  sha: string;
  /** e.g. https://github.com/OWNER/REPO/commit/SHA */
  url?: string;
}

export interface PrCommentInput extends ReportInput {
  /** Identifies the comment among the PR's comments: the config path, so two configs keep two comments. */
  key: string;

  links: ReportLinks;
  /** GitHub rejects comment bodies over 65,536 characters. */
  maxChars?: number;
}

export const COMMENT_MAX_CHARS = 65_536;

/** The hidden first line of our sticky comment. The key is percent-encoded where it could end the HTML comment. */
export function commentMarker(key: string): string {
  const safe = key.replace(/[%<>\s]/g, (c) => encodeURIComponent(c));
  return `<!-- evalgate:comment key=${safe} -->`;
}

/**
 * Whether a comment body is our sticky comment for this key. Only the first line counts:
 * quoted text further down (escape.ts breaks comment delimiters in it anyway) cannot make
 * someone else's comment look like ours.
 */
export function hasMarker(body: string, key: string): boolean {
  const first = body.split(/\r?\n/, 1)[0] ?? '';
  return first.trim() === commentMarker(key);
}

/**
 * The sticky PR comment: the marker (and, with `commit`, the hidden line naming the judged
 * commit), then the report, within `maxChars`. The commit is also named, linked, on the
 * headline, so a reader sees which commit the verdict is for.
 */
export function renderPrComment(input: PrCommentInput): string {
  const max = input.maxChars ?? COMMENT_MAX_CHARS;
  return renderReport(input, {
    max,
    measure: (t) => t.length,
    limitLabel: `the ${max.toLocaleString('en-US')}-character limit of a PR comment`,
    // The blank line keeps the markers their own HTML block, as Prettier writes it.
    prefix: `${commentMarker(input.key)}\n${input.commit ? `${commitMarker(input.commit.sha)}\n` : ''}\n`,
    pointToStepSummary: true,
  }).body;
}

// ---------------------------------------------------------------- the judged commit

const SHA = /^[0-9a-f]{7,64}$/i;

/** The hidden second line naming the commit the verdict is for (a sha, or nothing if it is not one). */
export function commitMarker(sha: string): string {
  return `<!-- evalgate:commit sha=${SHA.test(sha) ? sha.toLowerCase() : 'unknown'} -->`;
}

/** The commit our comment's verdict is for, from its hidden line; undefined for comments without one. */
export function commentCommit(body: string): string | undefined {
  const second = body.split(/\r?\n/, 2)[1]?.trim() ?? '';
  return /^<!-- evalgate:commit sha=([0-9a-f]{7,64}) -->$/.exec(second)?.[1];
}

/** `abc1234`, linked when the sha is one and there is a URL; anything else shown as escaped code. */
export function commitLink(commit: CommitRef): string {
  if (!SHA.test(commit.sha)) return inlineCode(commit.sha, { maxLength: 64 });
  const short = `\`${commit.sha.slice(0, 7).toLowerCase()}\``;
  return commit.url ? `[${short}](${commit.url})` : short;
}

/**
 * The notice above an outdated report, and the hidden line naming the commit it is about:
 * `evaluating` while that commit's run goes on, `cancelled` once that run was cancelled (or
 * timed out) before a verdict. The hidden line is what the cancel path compares with its own
 * commit before it rewrites the notice (action/outdated.ts): the visible text shows only 7
 * characters of the sha, and only a sha can be trusted, not prose.
 */
export type NoticeState = 'evaluating' | 'cancelled';

const OUTDATED = /^> \S+ \*\*Outdated:\*\*/;
const NOTICE_MARKER = /^<!-- evalgate:(evaluating|cancelled) sha=([0-9a-f]{7,64}) -->\r?$/;

/** Which commit the outdated notice is about, and whether its evaluation is going on or was cancelled. */
export function outdatedNotice(body: string): { state: NoticeState; sha: string } | undefined {
  for (const line of body.split('\n').slice(2)) {
    const m = NOTICE_MARKER.exec(line);
    if (m) return { state: m[1] as NoticeState, sha: m[2]! };
    if (!/^<!-- evalgate:\w+ .*-->\r?$/.test(line)) return undefined;
  }
  return undefined;
}

/**
 * Our comment, marked outdated in place: a line above its content says which commit the
 * verdict is for and which commit is being evaluated now. The markers stay first (so the
 * sticky lookup still finds it); an earlier outdated line is replaced, not stacked. If the
 * line would push the comment over `maxChars`, the old report is cut to its headline.
 */
export function markCommentOutdated(
  body: string,
  commits: { judged: CommitRef; current: CommitRef },
  maxChars = COMMENT_MAX_CHARS,
): string {
  return withNotice(
    body,
    { state: 'evaluating', sha: commits.current.sha },
    `> ⏳ **Outdated:** this verdict is for ${commitLink(commits.judged)}; evaluating ${commitLink(commits.current)}…`,
    maxChars,
  );
}

/**
 * The same comment once the run evaluating `current` was cancelled or timed out (the runner
 * sends both as the same signal, so the notice cannot say which): nothing is evaluating it
 * any more, and the reader is told how to get a verdict.
 */
export function markCommentCancelled(
  body: string,
  commits: { judged: CommitRef; current: CommitRef },
  maxChars = COMMENT_MAX_CHARS,
): string {
  return withNotice(
    body,
    { state: 'cancelled', sha: commits.current.sha },
    `> ⏹️ **Outdated:** this verdict is for ${commitLink(commits.judged)}; the evaluation of ${commitLink(commits.current)} was cancelled or timed out before a verdict: re-run the job.`,
    maxChars,
  );
}

function withNotice(
  body: string,
  about: { state: NoticeState; sha: string },
  notice: string,
  maxChars: number,
): string {
  const lines = body.split('\n');
  let at = 0;
  while (at < lines.length && /^<!-- evalgate:\w+ .*-->\r?$/.test(lines[at]!)) at++;
  // The comment's own markers stay; an earlier notice's is replaced with this one's.
  const markers = lines.slice(0, at).filter((l) => !NOTICE_MARKER.test(l));
  if (SHA.test(about.sha)) markers.push(`<!-- evalgate:${about.state} sha=${about.sha.toLowerCase()} -->`);
  let rest = lines.slice(at);
  while (rest[0]?.trim() === '') rest = rest.slice(1);
  if (rest[0] && OUTDATED.test(rest[0])) rest = rest.slice(1);
  while (rest[0]?.trim() === '') rest = rest.slice(1);
  const head = `${markers.join('\n')}\n\n${notice}\n\n`;
  const full = `${head}${rest.join('\n')}`;
  if (full.length <= maxChars) return full;
  const cut = `${head}${rest[0] ?? ''}\n\n_The rest of this outdated report was removed to make room for the line above._\n`;
  return cut.length <= maxChars ? cut : `${head.slice(0, maxChars - 1)}\n`;
}

// ---------------------------------------------------------------- the shared renderer

interface Parts {
  /** The verdict line, then why / next step / change: the first screen, kept at every level. */
  headline: string;
  summary: string[];
  /** Kept at every level. */
  blockers?: Section;
  suites?: Section;
  /** Given up at level 3. */
  detail: Section[];
  footer?: string;
}

interface Limits {
  markdown: MarkdownOptions;
  /** Items kept in a list (changes, suites, reasons, ids) and rows in a table; the rest are counted. */
  list: number;
  /** Failing outputs shown, and the characters kept of each. */
  outputs: number;
  outputChars: number;
  /** Reasons a suite ran shown per suite. */
  reasons: number;
}

/** Per level 0, 1, 2: how much of each list and table is kept. The notice quotes these numbers. */
const LIMITS: readonly [Limits, Limits, Limits] = [
  { markdown: { maxRows: 25, maxIds: 20 }, list: 25, outputs: 10, outputChars: 1500, reasons: 5 },
  { markdown: { maxRows: 25, maxIds: 20 }, list: 25, outputs: 10, outputChars: 500, reasons: 5 },
  {
    markdown: { maxRows: 10, maxIds: 5, maxReason: 120 },
    list: 10,
    outputs: 3,
    outputChars: 300,
    reasons: 2,
  },
];

/**
 * The report at the first level that fits the budget. Never throws for size: level 4 cuts
 * table rows until it fits, and if even the headline does not, the headline is cut.
 */
export function renderReport(input: ReportInput, budget: ReportBudget): RenderedReport {
  const fits = (body: string) => budget.measure(body) <= budget.max;
  const prefix = budget.prefix ?? '';
  for (const level of [0, 1, 2] as const) {
    const body = prefix + assemble(buildParts(input, level), level, input, budget);
    if (fits(body)) return { body, level };
  }
  const pointer = prefix + assemble(buildParts(input, 3), 3, input, budget);
  if (fits(pointer)) return { body: pointer, level: 3 };
  return { body: cutToFit(input, budget), level: 4 };
}

/**
 * Order: the verdict with why, next step and the change (the first screen); blocker
 * failures; the per-suite table; then the rest, as the comparison orders it, and what ran
 * and why, folded.
 */
function assemble(parts: Parts, level: 0 | 1 | 2 | 3, input: ReportInput, budget: ReportBudget): string {
  const out = [parts.headline, ...parts.summary];
  if (level !== 0) out.push(notice(level, budget, input.links));
  if (parts.blockers) out.push(renderSection(parts.blockers, false));
  if (parts.suites) out.push(renderSection(parts.suites, false));
  if (level < 3) out.push(...parts.detail.map((s) => renderSection(s, level > 0 || (s.folded ?? false))));
  if (parts.footer) out.push(parts.footer);
  return `${out.join('\n\n')}\n`;
}

function notice(
  level: 1 | 2 | 3 | 4,
  budget: ReportBudget,
  links: ReportLinks | undefined,
  cut = '',
): string {
  const l2 = LIMITS[2];
  const what = {
    1: 'detail sections are folded and failing outputs cut short',
    2: `detail sections are folded, every table and list cut to its first ${l2.list} rows (the rest counted under it) and outputs shown for ${l2.outputs} cases`,
    3: `only the blocker failures and the per-suite table are shown, each cut to its first ${l2.list} rows (the rest counted under it)`,
    4: `only the blocker failures and the per-suite table are shown, ${cut}`,
  }[level];
  return `> ✂️ **Shortened** to fit ${budget.limitLabel}: ${what}. ${whereTheRestIs(links, budget)}`;
}

function whereTheRestIs(links: ReportLinks | undefined, budget: ReportBudget): string {
  const places: string[] = [];
  if (budget.pointToStepSummary !== false)
    places.push(link('the step summary', links?.stepSummary ?? links?.run) ?? "the job's step summary");
  places.push(link('the artifact', links?.artifact) ?? 'the `evalgate` artifact');
  return `The full report is in ${places.join(' and ')}.`;
}

/** Level 4: the pointer level with fewer blocker and suite rows, binary-searching how many fit. */
function cutToFit(input: ReportInput, budget: ReportBudget): string {
  const prefix = budget.prefix ?? '';
  const full = buildParts(input, 3);
  const blockerRows = full.blockerCount;
  const suiteRows = full.suiteCount;
  const render = (b: number, s: number) => {
    const parts = buildParts(input, 3, { blockers: b, suites: s });
    const cut = `the blocker table cut to ${Math.min(b, blockerRows)} of ${plural(blockerRows, 'row')} and the suite table to ${Math.min(s, suiteRows)} of ${plural(suiteRows, 'row')}`;
    const out = [prefix + parts.headline, ...parts.summary, notice(4, budget, input.links, cut)];
    if (parts.blockers) out.push(renderSection(parts.blockers, false));
    if (parts.suites) out.push(renderSection(parts.suites, false));
    if (parts.footer) out.push(parts.footer);
    return `${out.join('\n\n')}\n`;
  };
  const fits = (b: number, s: number) => budget.measure(render(b, s)) <= budget.max;
  // Blocker rows matter most, but a few suite rows are kept beside them if at all possible.
  const maxB = Math.min(blockerRows, LIMITS[2].list);
  const maxS = Math.min(suiteRows, LIMITS[2].list);
  const reserve = Math.min(5, maxS);
  let b = largest(maxB, (n) => fits(n, reserve));
  let s = fits(b, reserve) ? largest(maxS, (n) => fits(b, n)) : 0;
  if (!fits(b, s)) {
    b = largest(maxB, (n) => fits(n, 0));
    s = 0;
  }
  const body = render(b, s);
  if (budget.measure(body) <= budget.max) return body;
  const first = full.headline;
  const bare = `${prefix}${first}\n\n> ✂️ **Shortened** to fit ${budget.limitLabel}. ${whereTheRestIs(input.links, budget)}\n`;
  if (budget.measure(bare) <= budget.max) return bare;
  // Not even the headline fits: cut it, whole code points at a time, keeping the marker.
  const chars = Array.from(`${prefix}${first}\n`);
  while (chars.length && budget.measure(chars.join('')) > budget.max) chars.splice(-2, 1);
  return chars.join('');
}

/** The largest n in [0, max] with ok(n), given ok is monotone (true up to some n). */
function largest(max: number, ok: (n: number) => boolean): number {
  if (ok(max)) return max;
  let lo = 0;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// ---------------------------------------------------------------- building the sections

const ORDER = [
  'dimensions',
  'trend',
  'worse',
  'outputs',
  'why',
  'notes',
  'changed',
  'ran',
  'layers',
  'usage',
  'new-removed',
  'baseline',
];

function buildParts(
  input: ReportInput,
  level: 0 | 1 | 2 | 3,
  rows?: { blockers: number; suites: number },
): Parts & { blockerCount: number; suiteCount: number } {
  const limits = LIMITS[Math.min(level, 2) as 0 | 1 | 2];
  const { plan, comparison, verdict } = input;
  const parts: Parts & { blockerCount: number; suiteCount: number } = {
    headline: '',
    summary: [],
    detail: [],
    blockerCount: 0,
    suiteCount: 0,
  };
  const change = plan ? planChange(plan) : undefined;

  if (comparison) {
    const cases = input.results ? casesIn(input.results) : undefined;
    const report = comparisonReport(comparison, verdict, {
      ...limits.markdown,
      ...(rows && { maxBlockers: rows.blockers, maxSuiteRows: rows.suites }),
      maxOutputs: limits.outputs,
      maxOutputChars: limits.outputChars,
      essentialOnly: level === 3,
      ...(plan && { config: plan.config }),
      ...(change && { change }),
      ...(cases && { fullOutput: (suite: string, id: string) => failingOutput(cases, suite, id) }),
    });
    parts.headline = report.headline;
    parts.summary = report.summary;
    for (const s of report.sections) {
      if (s.key === 'blockers') parts.blockers = s;
      else if (s.key === 'suites') parts.suites = s;
      else parts.detail.push(s);
    }
    parts.blockerCount = new Set(
      verdict.reasons
        .filter((r) => r.code.startsWith('blocker-') && (r.level === 'fail' || r.level === 'error'))
        .map((r) => `${r.suite}\u0000${r.case}`),
    ).size;
    parts.suiteCount = tableRows(
      comparisonReport(comparison, verdict, { maxSuiteRows: Infinity }).sections.find(
        (s) => s.key === 'suites',
      )?.body,
    );
  } else {
    const own = ownReport(input, limits, rows);
    Object.assign(parts, own);
  }
  if (plan) {
    if (plan.changes.length > CHANGES_INLINE) parts.detail.push(changedSection(plan, limits.list));
    if (plan.suites.length || plan.removed.length || plan.warnings.length)
      parts.detail.push(ranSection(plan, limits.list, limits.reasons));
  }
  parts.detail.sort((a, b) => rank(a.key) - rank(b.key));
  parts.footer = footer(input.links);
  const { commit } = input;
  // On the headline, so it survives every level of shortening.
  if (commit) parts.headline = `${parts.headline} · ${commitLink(commit)}`;
  return parts;
}

function rank(key: string): number {
  const i = ORDER.indexOf(key);
  return i < 0 ? ORDER.length : i;
}

function tableRows(body: string | undefined): number {
  if (!body) return 0;
  return Math.max(0, body.split('\n').filter((l) => l.startsWith('|')).length - 2);
}

function casesIn(results: ResultsDocument): Map<string, Map<string, CaseResult>> {
  return new Map(results.suites.map((s) => [s.id, new Map(s.cases.map((c) => [c.id, c]))]));
}

function failingOutput(
  cases: Map<string, Map<string, CaseResult>>,
  suite: string,
  id: string,
): string | undefined {
  const out = cases
    .get(suite)
    ?.get(id)
    ?.samples.find((s) => s.status !== 'pass' && s.output?.output)?.output?.output;
  return out === '' ? undefined : out;
}

// ---------------------------------------------------------------- the plan

/** Changes named on the Change line; more are listed in a folded section instead. */
const CHANGES_INLINE = 3;

function version(v: string | null): string {
  return v === null ? '(none)' : inlineCode(v);
}

function changeText(c: Plan['changes'][number]): string {
  const status = c.status === 'modified' ? '' : ` ${c.status}`;
  return `${escapeMarkdown(c.kind)} ${inlineCode(c.component)}${status} ${version(c.old)}${NBSP}→${NBSP}${version(c.new)}`;
}

/** The plan's change, stated once: on the first screen, or counted there and listed folded below. */
function planChange(plan: Plan): { text: string; components: string[] } {
  const components = plan.changes.map((c) => c.component);
  let text: string;
  if (plan.changes.length === 0)
    text = plan.files.length
      ? `nothing evaluated changed (${plural(plan.files.length, 'changed file')}, none part of an evaluated component or suite)`
      : 'nothing evaluated changed';
  else if (plan.changes.length <= CHANGES_INLINE) text = plan.changes.map(changeText).join('; ');
  else text = `${plural(plan.changes.length, 'component')} changed (listed under “What changed”)`;
  const total = plan.suites.length + plan.unaffected.length;
  return { text: `${text} · ${plan.suites.length} of ${plural(total, 'suite')} ran`, components };
}

function changedSection(plan: Plan, max: number): Section {
  return {
    key: 'changed',
    title: `What changed (${plan.changes.length})`,
    body: listOf(
      plan.changes.map((c) => `- ${changeText(c)}`),
      max,
    ),
    folded: true,
  };
}

/**
 * Why each suite ran, without repeating the versions the Change line gives; then the suites
 * removed at head and the plan's warnings.
 */
function ranSection(plan: Plan, max: number, maxReasons: number): Section {
  const reasonText = (r: Reason): string =>
    r.type === 'component'
      ? `uses ${escapeMarkdown(r.kind)} ${inlineCode(r.component)}, which changed`
      : r.type === 'suite'
        ? r.old === null
          ? 'new suite'
          : 'its file or dataset changed'
        : escapeMarkdown(describeReason(r), { maxLength: 300 });
  const lines = plan.suites.map((s) => {
    const reasons = s.reasons.slice(0, maxReasons).map(reasonText);
    if (s.reasons.length > maxReasons) reasons.push(`and ${s.reasons.length - maxReasons} more`);
    return `- ${inlineCode(s.id)}: ${reasons.join('; ')}`;
  });
  const paragraphs = lines.length ? [listOf(lines, max)] : [];
  if (plan.unaffected.length)
    paragraphs.push(`${plural(plan.unaffected.length, 'suite')} not affected, not run.`);
  if (plan.removed.length)
    paragraphs.push(
      `Suites removed at head, not run: ${plan.removed
        .slice(0, max)
        .map((r) => inlineCode(r.id))
        .join(', ')}${plan.removed.length > max ? `, and ${plan.removed.length - max} more` : ''}.`,
    );
  if (plan.warnings.length)
    paragraphs.push(
      listOf(
        plan.warnings.map((w) => `- ⚠️ ${escapeMarkdown(w, { maxLength: 300 })}`),
        max,
      ),
    );
  const total = plan.suites.length + plan.unaffected.length;
  return {
    key: 'ran',
    title: `What ran and why (${plan.suites.length} of ${plural(total, 'suite')})`,
    body: paragraphs.join('\n\n'),
    folded: true,
  };
}

function footer(links: ReportLinks | undefined): string | undefined {
  const items = [
    link('Check run', links?.checkRun),
    link('Step summary', links?.stepSummary),
    link('Artifact', links?.artifact),
    link('Workflow run', links?.run),
  ].filter((x): x is string => x !== undefined);
  return items.length ? `<sub>${items.join(' · ')}</sub>` : undefined;
}

/**
 * A link to one of our own pages. The URLs come from the GitHub context, not a run, but are
 * still held to http(s) and percent-encoded where markdown would end the link early.
 */
function link(text: string, url: string | undefined): string | undefined {
  if (!url || !/^https?:\/\/[^\s]+$/i.test(url)) return undefined;
  const safe = url.replace(
    /[()<>"'`\\[\]]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
  return `[${text}](${safe})`;
}

// ---------------------------------------------------------------- without a comparison

/**
 * Nothing affected, or a run with no baseline: the same first screen (verdict, why, next
 * step, change), the run's blocker failures and per-suite pass rates, the other reasons.
 */
function ownReport(
  input: ReportInput,
  limits: Limits,
  rows?: { blockers: number; suites: number },
): Pick<Parts, 'headline' | 'summary' | 'blockers' | 'suites' | 'detail'> & {
  blockerCount: number;
  suiteCount: number;
} {
  const { plan, verdict, results } = input;
  const config = plan?.config;
  const failing = results?.summary.blockerFailures ?? [];
  const change = plan ? planChange(plan).text : 'no plan: the suites chosen were run';
  let why: string;
  let next: string;
  if (plan && plan.suites.length === 0) {
    why = `nothing evaluated is affected by this change, so ${
      plan.unaffected.length ? `none of the ${plural(plan.unaffected.length, 'suite')} ran` : 'no suite ran'
    }.`;
    next = 'nothing required.';
  } else if (failing.length) {
    const f = failing[0]!;
    const c = results ? casesIn(results).get(f.suite)?.get(f.case) : undefined;
    why = `${failing.length === 1 ? 'blocker case' : `${failing.length} blocker cases fail, first`} ${inlineCode(f.suite)} / ${inlineCode(f.case)}${failing.length === 1 ? (c?.status === 'error' ? ' errors' : ' fails') : ''}; there is no baseline to compare the rest with.`;
    next = `reproduce the failing case locally:\\\n→ ${reproduceCommand(config, f.suite, f.case)}`;
  } else if (results) {
    why = `${plural(results.suites.length, 'suite')} ran (${plural(results.summary.cases, 'case')}) with no baseline to compare them with.`;
    next = `record a baseline on the default branch: ${inlineCode('npx evalgate run')}, then ${inlineCode('npx evalgate baseline save')}.`;
  } else {
    const first = verdict.reasons.find((r) => r.level !== 'info');
    why = first
      ? `no comparison was made: ${escapeMarkdown(first.message, { maxLength: 200 })}`
      : 'no comparison was made.';
    next = 'read the reasons below.';
  }
  const out: ReturnType<typeof ownReport> = {
    headline: `## ${VERDICT_ICON[verdict.verdict]} evalgate: ${verdict.verdict}`,
    summary: [`**Why:** ${why}`, `**Next step:** ${next}`, `**Change:** ${change}.`],
    detail: [],
    blockerCount: failing.length,
    suiteCount: results?.suites.length ?? 0,
  };
  if (results) {
    const b = resultBlockers(results, rows?.blockers ?? limits.list);
    if (b) out.blockers = b;
    const s = resultSuites(results, rows?.suites ?? limits.list);
    if (s) out.suites = s;
  }
  const reasons = verdict.reasons.filter(
    (r) =>
      r.level !== 'info' &&
      !(out.blockers && r.code.startsWith('blocker-') && (r.level === 'fail' || r.level === 'error')),
  );
  if (reasons.length)
    out.detail.push({ key: 'why', title: 'Reasons', body: listOf(reasons.map(reasonLine), limits.list) });
  return out;
}

function resultBlockers(results: ResultsDocument, max: number): Section | undefined {
  const failing = results.summary.blockerFailures;
  if (failing.length === 0) return undefined;
  const cases = casesIn(results);
  const items = failing.slice(0, max).map(({ suite, case: id }) => {
    const c = cases.get(suite)?.get(id);
    return { suite, line: `${inlineCode(id)}: ${c?.status ?? '—'} · ${whyText(c)}` };
  });
  const more = moreBySuite(failing.slice(max), 'blocker failure');
  return {
    key: 'blockers',
    title: `❌ Blocker failures (${failing.length})`,
    body: `${caseList(items)}${more ? `\n\n${more}` : ''}`,
  };
}

function resultSuites(results: ResultsDocument, max: number): Section | undefined {
  if (results.suites.length === 0) return undefined;
  const rows = results.suites.map((s) => ({
    suite: s.id,
    cells: [
      `${inlineCode(s.id, { table: true })}${NBSP}·${NBSP}${s.tier}`,
      String(s.metrics.cases),
      s.metrics.passRate === null ? '—' : `${(s.metrics.passRate * 100).toFixed(1)}%`,
      String(s.metrics.errors),
      String(s.metrics.blockerFailures.length),
    ],
  }));
  const more = moreBySuite(rows.slice(max), 'suite');
  return {
    key: 'suites',
    title: 'Suites',
    body: `${table(
      [
        ['suite', 'cases', 'pass rate', 'errors', 'blockers failing'],
        ...rows.slice(0, max).map((r) => r.cells),
      ],
      ['l', 'r', 'r', 'r', 'r'],
    )}${more ? `\n\n${more}` : ''}`,
  };
}

function whyText(c: CaseResult | undefined, maxLength = 160): string {
  const s = c?.samples.find((x) => x.status !== 'pass');
  if (!s) return '—';
  if (s.error) return escapeMarkdown(`error (${s.error.kind}): ${s.error.message}`, { maxLength });
  const failed = s.graders.filter((g) => !g.pass).map((g) => `${g.grader}: ${g.reason}`);
  return escapeMarkdown(failed.join('; ') || 'failed', { maxLength });
}
