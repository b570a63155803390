import type { LoadedCase } from '../config/load.js';
import { isHumanReviewed } from '../graders/layers.js';
import { classifyRefusal } from '../graders/refusal.js';
import type { GradeInput, Grader } from '../graders/types.js';
import type {
  GraderVerdict,
  SampleError,
  SampleResult,
  SampleStatus,
  TargetOutput,
} from '../results/types.js';
import type { Target } from '../targets/types.js';
import type { RunContext } from './context.js';
import { PriceTable } from './pricing.js';

/**
 * Step 4, grade: what the graders see of an answer, their verdicts made safe (an error is
 * never a pass, a score stays in [0, 1]), and the sample those verdicts make.
 */

/** What the graders see of one answer, its tokens and cost included. */
export function gradeInput(
  ctx: Pick<RunContext, 'prices'>,
  c: LoadedCase,
  target: Target,
  output: TargetOutput,
  latencyMs: number,
): GradeInput {
  const tokens = output.usage;
  const cost = ctx.prices.cost(tokens, target.info.model, output.model);
  return {
    case: c,
    output,
    latencyMs,
    ...(tokens && { tokens }),
    ...(cost !== undefined && { cost }),
    ...(tokens &&
      cost === undefined && { unpriced: PriceTable.namesLookedUp(target.info.model, output.model) }),
  };
}

/** The graded sample: its status from the verdicts, and whether the answer is a refusal. */
export function gradedSample(
  index: number,
  seed: number | undefined,
  input: GradeInput,
  graders: GraderVerdict[],
  retries: number,
  cached: boolean,
): SampleResult {
  const { output, latencyMs, tokens, cost } = input;
  let refusal: boolean | undefined;
  let abstained = false;
  try {
    const kind = classifyRefusal(output.output);
    refusal = kind !== null;
    abstained = kind === 'abstention';
  } catch {
    refusal = undefined;
  }
  return {
    index,
    ...(seed !== undefined && { seed }),
    status: sampleStatus(graders),
    output,
    graders,
    latencyMs,
    ...(tokens && { tokens }),
    ...(cost !== undefined && { cost }),
    retries,
    cached,
    ...(refusal !== undefined && { refusal }),
    ...(abstained && { abstained }),
  };
}

/** fail if any verdict failed; else error if any grader could not decide; else pass. */
export function sampleStatus(verdicts: readonly GraderVerdict[]): SampleStatus {
  let errored = false;
  for (const v of verdicts) {
    // Recorded and reported, never blocking: neither its fails nor its errors decide the sample.
    if (v.advisory) continue;
    if (v.error) errored = true;
    else if (!v.pass) return 'fail';
  }
  return errored ? 'error' : 'pass';
}

/** A sample that got no answer to grade (or whose grading threw): never a pass. */
export function errorSample(index: number, error: SampleError, retries: number, seed?: number): SampleResult {
  return {
    index,
    ...(seed !== undefined && { seed }),
    status: 'error',
    graders: [],
    error,
    retries,
    cached: false,
  };
}

/**
 * Every grader of the case on one answer, the synchronous ones without a promise each; a
 * case whose expectation a reviewer set is the human-review layer, whatever checks it.
 */
export async function gradeAnswer(c: LoadedCase, input: GradeInput): Promise<GraderVerdict[]> {
  const graders: readonly Grader[] = c.graders;
  const verdicts = new Array<GraderVerdict>(graders.length);
  let waiting: Promise<void>[] | undefined;
  graders.forEach((g, k) => {
    try {
      const v = g.grade(input);
      if (isThenable(v)) {
        (waiting ??= []).push(
          Promise.resolve(v).then(
            (r) => void (verdicts[k] = markAdvisory(g, checkVerdict(g, r))),
            (e: unknown) => void (verdicts[k] = markAdvisory(g, thrownVerdict(g, e))),
          ),
        );
      } else verdicts[k] = markAdvisory(g, checkVerdict(g, v));
    } catch (e) {
      verdicts[k] = markAdvisory(g, thrownVerdict(g, e));
    }
  });
  if (waiting) await Promise.all(waiting);
  return isHumanReviewed(c.tags) ? verdicts.map((v) => ({ ...v, layer: 'human-review' as const })) : verdicts;
}

/** Copies a verdict into a fixed shape: an error is never a pass, a score stays in [0, 1]. */
function checkVerdict(g: Grader, v: GraderVerdict | undefined): GraderVerdict {
  if (!v || typeof v !== 'object') {
    return { grader: g.name, pass: false, score: 0, reason: 'grader returned no verdict', error: true };
  }
  const error = v.error === true;
  const pass = !error && v.pass === true;
  const score =
    typeof v.score === 'number' && Number.isFinite(v.score)
      ? Math.min(1, Math.max(0, v.score))
      : pass
        ? 1
        : 0;
  return {
    grader: typeof v.grader === 'string' && v.grader ? v.grader : g.name,
    pass,
    score,
    reason: typeof v.reason === 'string' ? v.reason : String(v.reason ?? ''),
    ...(error && { error: true }),
    // Left out of the means only when it is a pass: a grader cannot hide a failure this way.
    ...(!error && pass && v.excluded === true && { excluded: true }),
  };
}

/** A verdict says its layer and dimension; an advisory grader's verdicts say so, and why it does not block. */
function markAdvisory(g: Grader, v: GraderVerdict): GraderVerdict {
  const out = { ...v, ...(g.layer && { layer: g.layer }), ...(g.dimension && { dimension: g.dimension }) };
  return g.advisory ? { ...out, reason: `${v.reason} (advisory: ${g.advisory})`, advisory: true } : out;
}

function thrownVerdict(g: Grader, e: unknown): GraderVerdict {
  const message = e instanceof Error ? e.message : String(e);
  return { grader: g.name, pass: false, score: 0, reason: `grader error: ${message}`, error: true };
}

export function isThenable<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}
