import { markdownTable } from 'markdown-table';
import { plural } from '../compare/format.js';
import type { ComparisonDocument } from '../compare/types.js';
import type { GateReason, Verdict } from '../gate/types.js';
import { describeReason } from '../plan/render.js';
import type { Plan } from '../plan/types.js';
import type { CaseResult, ResultsDocument } from '../results/types.js';
import { codeBlock, escapeMarkdown, inlineCode } from './escape.js';
import { LEVEL_ICON, VERDICT_ICON, renderComparisonMarkdown, type MarkdownOptions } from './markdown.js';

/**
 * The report a PR shows, in three places: the sticky comment (here), the check run
 * (check-run.ts) and the step summary (step-summary.ts). One renderer, one size budget per
 * place; when the full report does not fit, detail is given up in steps rather than the
 * publish failing (dorny/test-reporter's approach):
 *
 *   0 full       every section open, long lists, failing outputs
 *   1 collapsed  detail sections folded into <details>, outputs cut short
 *   2 trimmed    lists cut to the top few with "… and M more", outputs of a few cases
 *   3 pointer    only the verdict, blocker failures and the per-suite table, and where
 *                the rest is (step summary, artifact)
 *   4 cut        as 3 with the blocker and suite tables cut to the rows that fit
 *
 * Every step keeps the verdict headline, is well-formed markdown (sections are added or
 * left out whole, so fences and <details> stay balanced) and says what it left out.
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

const OUTDATED = '> ⏳ **Outdated:**';

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
  const lines = body.split('\n');
  let at = 0;
  while (at < lines.length && /^<!-- evalgate:\w+ .*-->\r?$/.test(lines[at]!)) at++;
  const markers = lines.slice(0, at);
  let rest = lines.slice(at);
  while (rest[0]?.trim() === '') rest = rest.slice(1);
  if (rest[0]?.startsWith(OUTDATED)) rest = rest.slice(1);
  while (rest[0]?.trim() === '') rest = rest.slice(1);
  const notice = `${OUTDATED} this verdict is for ${commitLink(commits.judged)}; evaluating ${commitLink(commits.current)}…`;
  const head = `${markers.join('\n')}\n\n${notice}\n\n`;
  const full = `${head}${rest.join('\n')}`;
  if (full.length <= maxChars) return full;
  const cut = `${head}${rest[0] ?? ''}\n\n_The rest of this outdated report was removed to make room for the line above._\n`;
  return cut.length <= maxChars ? cut : `${head.slice(0, maxChars - 1)}\n`;
}

// ---------------------------------------------------------------- the shared renderer

interface Section {
  key: string;
  /** Heading text; none for a block that carries its own markup (notes, links). */
  title?: string;
  body: string;
}

interface Parts {
  headline: string;
  /** Kept at every level. */
  blockers?: Section;
  suites?: Section;
  /** Given up at level 3. */
  detail: Section[];
  footer?: string;
}

interface Limits {
  markdown: MarkdownOptions;
  /** Items kept in a list (changes, suites, reasons, ids); the rest are counted. */
  list: number;
  /** Failing outputs shown, and the characters kept of each. */
  outputs: number;
  outputChars: number;
  /** Reasons a suite ran shown per suite. */
  reasons: number;
}

/** Per level 0, 1, 2: how much of each list is kept. */
const LIMITS: readonly [Limits, Limits, Limits] = [
  { markdown: { maxCases: 25, maxIds: 20 }, list: Infinity, outputs: 10, outputChars: 1500, reasons: 5 },
  { markdown: { maxCases: 25, maxIds: 20 }, list: Infinity, outputs: 10, outputChars: 500, reasons: 5 },
  {
    markdown: { maxCases: 10, maxIds: 5, maxReason: 120 },
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
  const parts = buildParts(input, 2);
  const pointer = prefix + assemble(parts, 3, input, budget);
  if (fits(pointer)) return { body: pointer, level: 3 };
  return { body: cutToFit(parts, input, budget), level: 4 };
}

const PLAN_KEYS = new Set(['changed', 'ran']);
const WHY_KEYS = new Set(['why', 'notes']);

/**
 * Order: the verdict; what changed and which suites ran (the plan); blocker failures; why
 * (regressions first, as the gate sorts them); the per-suite table; then the rest.
 */
function assemble(parts: Parts, level: 0 | 1 | 2 | 3, input: ReportInput, budget: ReportBudget): string {
  const out = [parts.headline];
  if (level !== 0) out.push(notice(level, budget, input.links));
  const detail = (pick: (s: Section) => boolean) =>
    level < 3 ? parts.detail.filter(pick).map((s) => renderSection(s, level > 0)) : [];
  out.push(...detail((s) => PLAN_KEYS.has(s.key)));
  if (parts.blockers) out.push(renderSection(parts.blockers, false));
  out.push(...detail((s) => WHY_KEYS.has(s.key)));
  if (parts.suites) out.push(renderSection(parts.suites, false));
  out.push(...detail((s) => !PLAN_KEYS.has(s.key) && !WHY_KEYS.has(s.key)));
  if (parts.footer) out.push(parts.footer);
  return `${out.join('\n\n')}\n`;
}

function renderSection(s: Section, collapsed: boolean): string {
  if (!s.title) return s.body;
  if (collapsed) return `<details><summary>${s.title}</summary>\n\n${s.body}\n\n</details>`;
  return `### ${s.title}\n\n${s.body}`;
}

function notice(
  level: 1 | 2 | 3 | 4,
  budget: ReportBudget,
  links: ReportLinks | undefined,
  cut = '',
): string {
  const what = {
    1: 'detail sections are collapsed and failing outputs cut short',
    2: `detail sections are collapsed, lists cut to the top ${LIMITS[2].list} (the rest counted) and outputs shown for ${LIMITS[2].outputs} cases`,
    3: 'only blocker failures and the per-suite table are shown',
    4: `only blocker failures and the per-suite table are shown, and ${cut}`,
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

/** Level 4: the pointer level with the blocker and suite tables cut, binary-searching the rows kept. */
function cutToFit(parts: Parts, input: ReportInput, budget: ReportBudget): string {
  const prefix = budget.prefix ?? '';
  const blockerRows = tableRows(parts.blockers?.body);
  const suiteRows = tableRows(parts.suites?.body);
  const render = (b: number, s: number) => {
    const cut: string[] = [];
    if (b < blockerRows) cut.push(`${b} of ${plural(blockerRows, 'blocker failure')}`);
    if (s < suiteRows) cut.push(`${s} of ${suiteRows} suite rows`);
    const shown = cut.length ? `the tables cut to the first ${cut.join(' and the first ')}` : 'nothing else';
    const out = [prefix + parts.headline, notice(4, budget, input.links, shown)];
    if (parts.blockers) out.push(renderSection(cutTable(parts.blockers, b), false));
    if (parts.suites) out.push(renderSection(cutTable(parts.suites, s), false));
    if (parts.footer) out.push(parts.footer);
    return `${out.join('\n\n')}\n`;
  };
  const fits = (b: number, s: number) => budget.measure(render(b, s)) <= budget.max;
  // Blocker rows matter most, but a few suite rows are kept beside them if at all possible.
  const reserve = Math.min(5, suiteRows);
  let b = largest(blockerRows, (n) => fits(n, reserve));
  let s = fits(b, reserve) ? largest(suiteRows, (n) => fits(b, n)) : 0;
  if (!fits(b, s)) {
    b = largest(blockerRows, (n) => fits(n, 0));
    s = 0;
  }
  const body = render(b, s);
  if (budget.measure(body) <= budget.max) return body;
  const bare = `${prefix}${parts.headline.split('\n')[0] ?? ''}\n\n> ✂️ **Shortened** to fit ${budget.limitLabel}. ${whereTheRestIs(input.links, budget)}\n`;
  if (budget.measure(bare) <= budget.max) return bare;
  // Not even the headline fits: cut it, whole code points at a time, keeping the marker.
  const chars = Array.from(`${prefix}${parts.headline.split('\n')[0] ?? ''}\n`);
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

function tableRows(body: string | undefined): number {
  if (!body) return 0;
  return Math.max(0, body.split('\n').filter((l) => l.startsWith('|')).length - 2);
}

/**
 * The first `keep` rows of the section's table; list lines after it (the suite notes) are
 * dropped with the rows. Every line of a table is a whole row: escape.ts keeps newlines out
 * of cells, so cutting between lines cannot leave a cell or a code span open.
 */
function cutTable(s: Section, keep: number): Section {
  const lines = s.body.split('\n');
  const rows = tableRows(s.body);
  if (keep >= rows) return s;
  const start = lines.findIndex((l) => l.startsWith('|'));
  const kept = lines.slice(0, start + 2 + keep);
  return { ...s, body: `${kept.join('\n')}\n\n…and ${rows - keep} more rows.` };
}

// ---------------------------------------------------------------- building the sections

function buildParts(input: ReportInput, level: 0 | 1 | 2): Parts {
  const limits = LIMITS[level];
  const { plan, comparison, verdict } = input;
  const parts: Parts = { headline: '', detail: [] };
  const changed = plan ? changedSection(plan, limits.list) : undefined;
  const ran = plan && plan.suites.length ? ranSection(plan, limits.list, limits.reasons) : undefined;

  if (comparison) {
    const md = renderComparisonMarkdown(comparison, verdict, limits.markdown);
    const split = splitComparison(md);
    parts.headline = split.headline;
    for (const s of split.sections) {
      if (s.key === 'blockers') parts.blockers = s;
      else if (s.key === 'suites') parts.suites = s;
      else parts.detail.push(limits.list === Infinity ? s : { ...s, body: trimList(s.body, limits.list) });
    }
  } else {
    parts.headline = ownHeadline(input);
    if (input.results) {
      parts.blockers = resultBlockers(input.results);
      parts.suites = resultSuites(input.results);
    }
    const why = reasonsSection(verdict, limits.list, parts.blockers !== undefined);
    if (why) parts.detail.push(why);
  }
  if (changed) parts.detail.unshift(changed);
  if (ran) parts.detail.splice(changed ? 1 : 0, 0, ran);
  const outputs = outputsSection(input, limits.outputs, limits.outputChars);
  if (outputs) {
    const at = parts.detail.findIndex((s) => s.key === 'Cases that got worse');
    parts.detail.splice(at < 0 ? parts.detail.length : at + 1, 0, outputs);
  }
  parts.footer = footer(input.links);
  const { commit } = input;
  if (commit) {
    // On the headline's first line, so it survives every level of shortening.
    const [first = '', ...more] = parts.headline.split('\n');
    parts.headline = [`${first} · ${commitLink(commit)}`, ...more].join('\n');
  }
  return parts;
}

const HEADLINE_KEY: Record<string, string> = {
  'Blocker failures': 'blockers',
  Suites: 'suites',
  Why: 'why',
};

/**
 * renderComparisonMarkdown's output cut back into its sections, so the comment can reorder
 * and fold them without a second renderer. Safe to split on line starts: every string from
 * a run reaches that markdown through escape.ts, which keeps newlines (and so `### ` and
 * `<details>` at a line start) out of it.
 */
function splitComparison(md: string): { headline: string; sections: Section[] } {
  const [headline = '', ...chunks] = md.trimEnd().split(/\n\n(?=### |<details><summary>)/);
  const sections: Section[] = [];
  for (const chunk of chunks) {
    if (chunk.startsWith('### ')) {
      const nl = chunk.indexOf('\n');
      const title = nl < 0 ? chunk.slice(4) : chunk.slice(4, nl);
      sections.push({ key: HEADLINE_KEY[title] ?? title, title, body: chunk.slice(nl + 1).trimStart() });
    } else {
      sections.push({ key: 'notes', body: chunk });
    }
  }
  return { headline, sections };
}

/** A list cut to its first `max` items: every item is one line, so cutting between lines is safe. */
function trimList(body: string, max: number): string {
  const lines = body.split('\n');
  const out: string[] = [];
  let items = 0;
  let dropped = 0;
  for (const line of lines) {
    if (line.startsWith('- ')) {
      items++;
      if (items > max) {
        dropped++;
        continue;
      }
    } else if (dropped) {
      out.push(`- …and ${dropped} more`);
      dropped = 0;
    }
    out.push(line);
  }
  if (dropped) out.push(`- …and ${dropped} more`);
  return out.join('\n');
}

function ownHeadline(input: ReportInput): string {
  const { plan, verdict, results } = input;
  let lead: string;
  if (plan && plan.suites.length === 0)
    lead = `Nothing evaluated is affected by this change, so ${
      plan.unaffected.length ? `none of the ${plural(plan.unaffected.length, 'suite')} ran` : 'no suite ran'
    }.`;
  else if (results)
    lead = `${plural(results.suites.length, 'suite')} ran (${plural(results.summary.cases, 'case')}), with no baseline to compare them with.`;
  else lead = 'No comparison was made.';
  return `## ${VERDICT_ICON[verdict.verdict]} evalgate: ${verdict.verdict}\n\n${lead}`;
}

/** The verdict's reasons, when there is no comparison markdown to take them from; blocker failures have their own table. */
function reasonsSection(verdict: Verdict, max: number, blockerTable: boolean): Section | undefined {
  const line = (r: GateReason) => {
    const where = [r.suite, r.case].filter((x): x is string => x !== undefined).map((x) => inlineCode(x));
    return `- ${LEVEL_ICON[r.level]} ${where.length ? `${where.join(' / ')}: ` : ''}${escapeMarkdown(r.message, { maxLength: 400 })}`;
  };
  const shown = verdict.reasons.filter(
    (r) =>
      r.level !== 'info' &&
      !(blockerTable && r.code.startsWith('blocker-') && (r.level === 'fail' || r.level === 'error')),
  );
  if (shown.length === 0) return undefined;
  return { key: 'why', title: 'Why', body: listOf(shown.map(line), max) };
}

function listOf(lines: string[], max: number): string {
  const kept = lines.slice(0, max);
  if (lines.length > kept.length) kept.push(`- …and ${lines.length - kept.length} more`);
  return kept.join('\n');
}

function version(v: string | null): string {
  return v === null ? '(none)' : inlineCode(v);
}

/** The plan's changes, then what it warned about and the suites it will not run because they are gone. */
function changedSection(plan: Plan, max: number): Section {
  const paragraphs: string[] = [];
  if (plan.changes.length === 0) {
    const files = plan.files.length
      ? ` ${plural(plan.files.length, 'changed file')}, none part of an evaluated component or suite.`
      : '';
    paragraphs.push(`Nothing evaluated changed.${files}`);
  } else {
    const lines = plan.changes.map(
      (c) =>
        `- ${escapeMarkdown(c.kind)} ${inlineCode(c.component)} ${c.status}: ${version(c.old)} → ${version(c.new)}`,
    );
    paragraphs.push(listOf(lines, max));
  }
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
  return { key: 'changed', title: 'What changed', body: paragraphs.join('\n\n') };
}

function ranSection(plan: Plan, max: number, maxReasons: number): Section {
  const lines = plan.suites.map((s) => {
    const reasons = s.reasons
      .slice(0, maxReasons)
      .map((r) => escapeMarkdown(describeReason(r), { maxLength: 300 }));
    if (s.reasons.length > maxReasons) reasons.push(`and ${s.reasons.length - maxReasons} more`);
    return `- ${inlineCode(s.id)}: ${reasons.join('; ')}`;
  });
  const total = plan.suites.length + plan.unaffected.length;
  const skipped = plan.unaffected.length
    ? `\n\n${plural(plan.unaffected.length, 'suite')} not affected, not run.`
    : '';
  return {
    key: 'ran',
    title: `Suites that ran and why (${plan.suites.length} of ${total})`,
    body: `${listOf(lines, max)}${skipped}`,
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

function casesIn(results: ResultsDocument): Map<string, Map<string, CaseResult>> {
  return new Map(results.suites.map((s) => [s.id, new Map(s.cases.map((c) => [c.id, c]))]));
}

function resultBlockers(results: ResultsDocument): Section | undefined {
  const failing = results.summary.blockerFailures;
  if (failing.length === 0) return undefined;
  const cases = casesIn(results);
  const rows = failing.map(({ suite, case: id }) => {
    const c = cases.get(suite)?.get(id);
    return [
      inlineCode(suite, { table: true }),
      inlineCode(id, { table: true }),
      c?.status ?? '—',
      whyText(c),
    ];
  });
  return {
    key: 'blockers',
    title: 'Blocker failures',
    body: simpleTable(['suite', 'case', 'now', 'why'], rows),
  };
}

function resultSuites(results: ResultsDocument): Section | undefined {
  if (results.suites.length === 0) return undefined;
  const rows = results.suites.map((s) => [
    inlineCode(s.id, { table: true }),
    s.tier,
    String(s.metrics.cases),
    s.metrics.passRate === null ? '—' : `${(s.metrics.passRate * 100).toFixed(1)}%`,
    String(s.metrics.errors),
    String(s.metrics.blockerFailures.length),
  ]);
  return {
    key: 'suites',
    title: 'Suites',
    body: simpleTable(['suite', 'tier', 'cases', 'pass rate', 'errors', 'blockers failing'], rows),
  };
}

function simpleTable(header: string[], rows: string[][]): string {
  return markdownTable([header, ...rows]);
}

function whyText(c: CaseResult | undefined, maxLength = 160): string {
  const s = c?.samples.find((x) => x.status !== 'pass');
  if (!s) return '—';
  if (s.error) return escapeMarkdown(`error (${s.error.kind}): ${s.error.message}`, { maxLength });
  const failed = s.graders.filter((g) => !g.pass).map((g) => `${g.grader}: ${g.reason}`);
  return escapeMarkdown(failed.join('; ') || 'failed', { maxLength });
}

// ---------------------------------------------------------------- failing outputs

/**
 * What the model said in the cases a reviewer will look at first (failing blockers, then
 * the cases that got worse), each in a fence its text cannot close. From the Results when
 * given (the comparison keeps only the start of an output).
 */
function outputsSection(input: ReportInput, maxCases: number, maxChars: number): Section | undefined {
  const picked: { suite: string; id: string; blocker: boolean; output: string }[] = [];
  const cases = input.results ? casesIn(input.results) : undefined;
  const fullOutput = (suite: string, id: string) =>
    cases
      ?.get(suite)
      ?.get(id)
      ?.samples.find((s) => s.status !== 'pass' && s.output?.output)?.output?.output;
  const candidates: { suite: string; id: string; blocker: boolean; short?: string }[] = [];
  if (input.comparison) {
    for (const s of input.comparison.suites) {
      for (const t of s.transitions) {
        const blockerFailing = t.blocker && t.current.status !== 'pass';
        if (blockerFailing || (s.status === 'comparable' && t.change === 'worse'))
          candidates.push({ suite: s.id, id: t.id, blocker: blockerFailing, short: t.failure?.output });
      }
    }
  } else if (input.results) {
    for (const f of input.results.summary.blockerFailures)
      candidates.push({ suite: f.suite, id: f.case, blocker: true });
  }
  // Blockers first; otherwise the comparison's order.
  candidates.sort((a, b) => Number(b.blocker) - Number(a.blocker));
  let total = 0;
  for (const c of candidates) {
    const output = fullOutput(c.suite, c.id) ?? c.short;
    if (output === undefined || output === '') continue;
    total++;
    if (picked.length < maxCases) picked.push({ ...c, output });
  }
  if (picked.length === 0) return undefined;
  const blocks = picked.map(
    (p) =>
      `${inlineCode(p.suite)} / ${inlineCode(p.id)}${p.blocker ? ' (blocker)' : ''}\n\n${codeBlock(p.output, { maxLength: maxChars, language: 'text' })}`,
  );
  const more =
    total > picked.length ? `\n\n…and the outputs of ${plural(total - picked.length, 'more case')}.` : '';
  return { key: 'outputs', title: 'What the failing cases returned', body: `${blocks.join('\n\n')}${more}` };
}
