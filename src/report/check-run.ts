import { posix } from 'node:path';
import type { CaseTransition, ComparisonDocument } from '../compare/types.js';
import type { GateVerdict, Verdict } from '../gate/types.js';
import type { Plan } from '../plan/types.js';
import type { CaseResult, ResultsDocument } from '../results/types.js';
import { renderReport, type ReportLinks } from './comment.js';
import { plainText } from './escape.js';
import { verdictParts } from './markdown.js';

/** GitHub's limits on a check run's output (characters) and on annotations per request. */
export const CHECK_RUN_SUMMARY_MAX_CHARS = 65_535;
export const ANNOTATIONS_PER_REQUEST = 50;
/** An annotation message may be 64 KiB; 4,096 code points is at most 16 KiB of UTF-8 and plenty for one line. */
const MESSAGE_MAX_CHARS = 4096;

export type CheckConclusion = 'success' | 'failure' | 'neutral';

/** The fields of a check-run annotation, named as the GitHub API names them. */
export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  title: string;
  message: string;
}

export interface CheckRunInput {
  comparison?: ComparisonDocument;
  verdict: Verdict;
  results?: ResultsDocument;
  plan?: Plan;
  /** An inconclusive verdict fails the check instead of leaving it neutral. */
  failOnInconclusive: boolean;
  /** The check's name, which branch protection requires by. */
  name: string;
  /** The repository's root directory, to make case locations repository-relative. */
  repoRoot: string;
  links?: ReportLinks;
  maxSummaryChars?: number;
}

export interface CheckRunPayload {
  name: string;
  conclusion: CheckConclusion;
  title: string;
  summary: string;
  /** GitHub's second output field; unset, since the summary holds the whole (degraded) report. */
  text?: string;
  annotations: Annotation[];
}

/**
 * The check run's output: the conclusion branch protection reads, a one-line title, the
 * report as its summary (degraded to fit like the comment), and an annotation on the suite
 * file line of each failing blocker and each case that got worse.
 */
export function renderCheckRun(input: CheckRunInput): CheckRunPayload {
  const max = input.maxSummaryChars ?? CHECK_RUN_SUMMARY_MAX_CHARS;
  // The summary is shown on the check run itself: no link back to it.
  const links = { ...input.links, checkRun: undefined };
  const summary = renderReport(
    { ...input, links },
    {
      max,
      measure: (t) => t.length,
      limitLabel: `the ${max.toLocaleString('en-US')}-character limit of a check run summary`,
      pointToStepSummary: true,
    },
  ).body;
  return {
    name: input.name,
    conclusion: conclusionOf(input.verdict.verdict, input.failOnInconclusive),
    title: checkTitle(input.verdict),
    summary,
    annotations: annotationsFor(input),
  };
}

export function conclusionOf(verdict: GateVerdict, failOnInconclusive: boolean): CheckConclusion {
  switch (verdict) {
    case 'pass':
    case 'warn':
      return 'success';
    case 'fail':
    case 'error':
      return 'failure';
    case 'inconclusive':
      return failOnInconclusive ? 'failure' : 'neutral';
  }
}

/** Plain text (a check title does not render markdown): the verdict and what drove it. */
function checkTitle(v: Verdict): string {
  const parts = verdictParts(v);
  return plainText(`evalgate: ${v.verdict}${parts.length ? ` (${parts.join(', ')})` : ''}`, {
    maxLength: 200,
  });
}

// ---------------------------------------------------------------- annotations

/** Splits annotations into requests GitHub accepts (at most 50 each), in order. */
export function batchAnnotations(annotations: Annotation[], size = ANNOTATIONS_PER_REQUEST): Annotation[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`batch size must be a positive integer, got ${size}`);
  const batches: Annotation[][] = [];
  for (let i = 0; i < annotations.length; i += size) batches.push(annotations.slice(i, i + size));
  return batches;
}

/**
 * One annotation per failing blocker and per case that got worse, where the Results say
 * which line of which file the case is on. failure for blockers and for regressions in
 * trusted suites (the ones that gate), warning for regressions in monitoring suites; a
 * blocker the gate only warned about stays a warning. Failures first.
 */
export function annotationsFor(
  input: Pick<CheckRunInput, 'comparison' | 'verdict' | 'results' | 'plan' | 'repoRoot'>,
): Annotation[] {
  const { comparison, verdict, results, plan, repoRoot } = input;
  if (!results) return [];
  const cases = new Map(
    results.suites.map((s) => [s.id, { file: s.file, cases: new Map(s.cases.map((c) => [c.id, c])) }]),
  );
  const gatingBlockers = new Set(
    verdict.reasons
      .filter((r) => r.code.startsWith('blocker-') && (r.level === 'fail' || r.level === 'error'))
      .map((r) => `${r.suite}\u0000${r.case}`),
  );
  const out: Annotation[] = [];
  const add = (suite: string, id: string, level: Annotation['annotation_level'], message: string) => {
    const entry = cases.get(suite);
    const c = entry?.cases.get(id);
    const file = c?.location?.file ?? entry?.file;
    if (!file) return;
    const path = repoRelativePath(file, repoRoot, plan?.root ?? '.');
    if (!path) return;
    const line = Math.max(1, Math.floor(c?.location?.line ?? 1));
    out.push({
      path,
      start_line: line,
      end_line: line,
      annotation_level: level,
      title: plainText(`${suite}/${id}`, { maxLength: 255 }),
      message: plainText(message, { maxLength: MESSAGE_MAX_CHARS }),
    });
  };

  if (comparison) {
    for (const s of comparison.suites) {
      for (const t of s.transitions) {
        const blockerFailing = t.blocker && t.current.status !== 'pass';
        const worse = s.status === 'comparable' && t.change === 'worse';
        if (!blockerFailing && !worse) continue;
        const gating = blockerFailing ? gatingBlockers.has(`${s.id}\u0000${t.id}`) : s.tier === 'trusted';
        add(s.id, t.id, gating ? 'failure' : 'warning', transitionMessage(t, blockerFailing));
      }
    }
  } else {
    for (const f of results.summary.blockerFailures) {
      const c = cases.get(f.suite)?.cases.get(f.case);
      add(
        f.suite,
        f.case,
        'failure',
        `blocker case ${c?.status === 'error' ? 'errored' : 'failed'}: ${resultReason(c)}`,
      );
    }
  }
  const rank = { failure: 0, warning: 1, notice: 2 };
  return out
    .map((a, i) => ({ a, i }))
    .sort((x, y) => rank[x.a.annotation_level] - rank[y.a.annotation_level] || x.i - y.i)
    .map(({ a }) => a);
}

function transitionMessage(t: CaseTransition, blockerFailing: boolean): string {
  const was = t.baseline ? t.baseline.status : 'new';
  const what = blockerFailing
    ? `blocker case ${t.current.status} (was ${was})`
    : `got worse: ${was} → ${t.current.status}`;
  const f = t.failure;
  let why = '';
  if (f?.error) why = `error (${f.error.kind}): ${f.error.message}`;
  else if (f?.graders.length) why = f.graders.map((g) => `${g.grader}: ${g.reason}`).join('; ');
  return why ? `${what} — ${why}` : what;
}

function resultReason(c: CaseResult | undefined): string {
  const s = c?.samples.find((x) => x.status !== 'pass');
  if (!s) return 'no sample passed';
  if (s.error) return `error (${s.error.kind}): ${s.error.message}`;
  return (
    s.graders
      .filter((g) => !g.pass)
      .map((g) => `${g.grader}: ${g.reason}`)
      .join('; ') || 'failed'
  );
}

/**
 * A location as GitHub wants it: relative to the repository root, forward slashes. Relative
 * locations (what the Results record) are relative to the project directory, `projectDir`
 * within the repository; absolute ones must lie under `repoRoot`. Null for a file outside
 * the repository, which GitHub would reject.
 */
export function repoRelativePath(file: string, repoRoot: string, projectDir = '.'): string | null {
  const f = file.replace(/\\/g, '/');
  const absolute = f.startsWith('/') || /^[A-Za-z]:\//.test(f);
  let rel: string;
  if (absolute) {
    const root = repoRoot.replace(/\\/g, '/').replace(/\/+$/, '');
    // Windows paths compare without case; POSIX paths with it.
    const windows = /^[A-Za-z]:\//.test(root);
    const head = f.slice(0, root.length);
    const under = windows ? head.toLowerCase() === root.toLowerCase() : head === root;
    if (!(under && f[root.length] === '/')) {
      return null;
    }
    rel = f.slice(root.length + 1);
  } else {
    rel = posix.join(projectDir.replace(/\\/g, '/'), f);
  }
  rel = posix.normalize(rel).replace(/^(\.\/)+/, '');
  if (rel === '' || rel === '.' || rel === '..' || rel.startsWith('../') || rel.startsWith('/')) return null;
  return rel;
}
