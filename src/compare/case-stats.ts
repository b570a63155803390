import type { Dimension } from '../graders/dimensions.js';
import { classifyRefusal } from '../graders/refusal.js';
import { tallyDimensions, workflowsOf } from '../results/dimension-tally.js';
import type { CaseResult, SampleResult } from '../results/types.js';
import type { CaseFailure, CaseOutcome, CaseTransition } from './types.js';

/**
 * Each case of a Results document reduced once to what the comparison reads: sample counts
 * by status, refusals and abstentions, per-grader score sums, per-dimension passes, its
 * workflows, latencies, tokens, cost and tool calls per call, and the first failure
 * (clipped) for the report.
 */

/** Raw text kept per failing case in the document; the report truncates further. */
const TEXT_LIMIT = 300;

/** A current case and the baseline case it pairs with. */
export interface CasePair {
  base: CaseStats;
  cur: CaseStats;
}

export interface CaseStats {
  id: string;
  blocker: boolean;
  status: CaseResult['status'];
  samples: number;
  passed: number;
  failed: number;
  errors: number;
  refusals: number;
  /** Error samples whose target answered but a grader could not decide. */
  graderErrors: number;
  /** Graded samples the refusal detector read. */
  refusalKnown: number;
  /** Per grader: sum and count of scores over answered samples where the grader decided. */
  scores: Map<string, { sum: number; n: number; continuous: boolean; advisory: boolean }>;
  /** Graded samples the refusal detector read as abstentions ("I don't know"), of refusalKnown. */
  abstentions: number;
  /**
   * Per dimension (graders/dimensions.ts): graded samples with a decided, non-advisory
   * verdict of that dimension (`trials`), and those whose verdicts of it all passed.
   */
  dimensions: Map<Dimension, { passed: number; trials: number }>;
  /** The case's `workflow` tag values (none when untagged). */
  workflows: string[];
  latencies: number[];
  tokensPerCall: number | null;
  costPerCall: number | null;
  /** Mean tool calls per answered sample (0 for an answer without any); null when none answered. */
  toolCallsPerCall: number | null;
  /** Some answered sample made a tool call: the suite's agent usage is worth a row. */
  madeToolCalls: boolean;
  failure?: CaseFailure;
}

export function caseStats(c: CaseResult): CaseStats {
  const s: CaseStats = {
    id: c.id,
    blocker: c.blocker,
    status: c.status,
    samples: c.samples.length,
    passed: 0,
    failed: 0,
    errors: 0,
    graderErrors: 0,
    refusals: 0,
    refusalKnown: 0,
    scores: new Map(),
    abstentions: 0,
    dimensions: new Map(),
    workflows: workflowsOf(c.tags ?? {}),
    latencies: [],
    tokensPerCall: null,
    costPerCall: null,
    toolCallsPerCall: null,
    madeToolCalls: false,
  };
  let toolCalls = 0;
  let answered = 0;
  let tokenSum = 0;
  let tokenCount = 0;
  let costSum = 0;
  let costCount = 0;
  for (let i = 0; i < c.samples.length; i++) {
    const sample = c.samples[i]!;
    if (sample.status === 'error') {
      s.errors++;
      // The target answered; a grader (say, a judge that timed out) could not decide.
      if (!sample.error) s.graderErrors++;
    } else if (sample.status === 'pass') s.passed++;
    else s.failed++;
    const t = sample.tokens?.total ?? sample.output?.usage?.total;
    if (typeof t === 'number') {
      tokenSum += t;
      tokenCount++;
    }
    if (typeof sample.cost === 'number') {
      costSum += sample.cost;
      costCount++;
    }
    if (sample.status === 'error') continue;
    if (typeof sample.latencyMs === 'number') s.latencies.push(sample.latencyMs);
    if (typeof sample.refusal === 'boolean') {
      s.refusalKnown++;
      if (sample.refusal) s.refusals++;
      if (abstained(sample)) s.abstentions++;
    }
    answered++;
    const calls = sample.output?.toolCalls?.length ?? 0;
    toolCalls += calls;
    if (calls > 0) s.madeToolCalls = true;
    tallyDimensions(s.dimensions, sample);
    for (let j = 0; j < sample.graders.length; j++) {
      const g = sample.graders[j]!;
      // An excluded verdict (the grader does not apply to this case) has no score to pair.
      if (g.error || g.excluded) continue;
      let acc = s.scores.get(g.grader);
      if (!acc) s.scores.set(g.grader, (acc = { sum: 0, n: 0, continuous: false, advisory: false }));
      if (g.advisory) acc.advisory = true;
      acc.sum += g.score;
      acc.n++;
      if (g.score !== 0 && g.score !== 1) acc.continuous = true;
    }
  }
  s.tokensPerCall = tokenCount ? tokenSum / tokenCount : null;
  s.costPerCall = costCount ? costSum / costCount : null;
  s.toolCallsPerCall = answered ? toolCalls / answered : null;
  if (c.status !== 'pass') {
    const failure = failureOf(c.samples);
    if (failure) s.failure = failure;
  }
  return s;
}

/**
 * Whether a graded sample abstained: recorded by the run; for a document from before it was
 * recorded, read again from a refusal's output (kept in raw form) with the same detector.
 */
function abstained(sample: SampleResult): boolean {
  if (sample.abstained !== undefined) return sample.abstained;
  if (sample.refusal !== true || typeof sample.output?.output !== 'string') return false;
  return classifyRefusal(sample.output.output) === 'abstention';
}

function failureOf(samples: SampleResult[]): CaseFailure | undefined {
  const failed = samples.find((x) => x.status === 'fail');
  if (failed) {
    const graders = failed.graders
      .filter((g) => !g.pass && !g.error)
      .map((g) => ({ grader: g.grader, reason: clip(g.reason) }));
    return { graders, ...(failed.output ? { output: clip(failed.output.output) } : {}) };
  }
  const errored = samples.find((x) => x.status === 'error');
  if (errored) {
    const error = errored.error ?? {
      kind: 'unknown',
      message: errored.graders.find((g) => g.error)?.reason ?? 'no grader could decide',
    };
    return { graders: [], error: { kind: error.kind, message: clip(error.message) } };
  }
  return undefined;
}

function clip(text: string): string {
  return text.length > TEXT_LIMIT ? `${text.slice(0, TEXT_LIMIT)}…` : text;
}

export function outcome(c: CaseStats): CaseOutcome {
  return { status: c.status, passed: c.passed, failed: c.failed, errors: c.errors };
}

export function passFraction(c: CaseStats): number | null {
  const graded = c.passed + c.failed;
  return graded > 0 ? c.passed / graded : null;
}

export function change(b: CaseStats | undefined, c: CaseStats): CaseTransition['change'] {
  if (!b) return 'new';
  const fb = passFraction(b);
  const fc = passFraction(c);
  if (fb === null || fc === null) return 'unknown';
  return fc < fb ? 'worse' : fc > fb ? 'better' : 'same';
}
