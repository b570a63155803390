import { emptyTallies, tallyCase, type SuiteDimensionTallies } from '../results/dimension-tally.js';
import type { CaseResult, Percentiles, SampleResult, SampleStatus, SuiteMetrics } from '../results/types.js';

/**
 * Per-suite metrics, accumulated one finished case at a time so nothing but a latency per
 * sample is kept (a Float64Array: 800 KB at 100,000 samples).
 *
 * Cases finish in whatever order the pool completes them, and an interrupted-then-resumed run
 * folds them in yet another order. Every sum is therefore exact (Shewchuk's algorithm, as in
 * Python's math.fsum) and every list is sorted before it is reported, so the numbers are the
 * same bits whatever the order: a resumed run's document equals an uninterrupted one's.
 *
 * Definitions, over the suite's finished cases and their samples:
 * - passRate      = passed / (passed + failed); errors are never passes and are left out
 *                   (null when no sample was graded).
 * - errorRate     = errors / samples (0 when there are no samples).
 * - refusalRate   = graded samples the refusal detector flags / graded samples, graded meaning
 *                   passed or failed (null when none).
 * - graderScores  = per grader name, the mean score over the verdicts it gave without error,
 *                   leaving out those marked `excluded` (the grader does not apply to the case:
 *                   a retrieval ranking metric on an unanswerable case), which graderExcluded
 *                   counts per grader name.
 * - latencyMs     = p50/p95/p99 (see `percentile`) and mean over samples that got a response,
 *                   cached ones at their originally recorded latency (null when none).
 * - tokens        = sums of the samples' usage; perCase = total / samples: one call of a
 *                   case, the meaning "per case" has everywhere (run, compare, the comment).
 * - cost          = sum of the samples' cost in USD; perCase = total / samples; null when no
 *                   sample had a known price.
 * - blockerFailures = ids of blocker cases that did not pass (failed or errored: an error is
 *                   never a pass), in suite order.
 */
export class SuiteMetricsAccumulator {
  private cases = 0;
  private samples = 0;
  private passed = 0;
  private failed = 0;
  private errors = 0;
  private refusals = 0;
  private readonly scores = new Map<string, { sum: ExactSum; n: number }>();
  private readonly excluded = new Map<string, number>();
  private readonly latencies = new GrowableFloat64Array();
  private readonly latencySum = new ExactSum();
  private readonly tokens = {
    prompt: new ExactSum(),
    completion: new ExactSum(),
    total: new ExactSum(),
    cached: new ExactSum(),
  };
  private readonly cost = new ExactSum();
  private costKnown = false;
  private readonly blockers: { index: number; id: string }[] = [];
  /** By dimension and workflow: not part of the document's metrics, shown by `evalgate run`. */
  readonly dimensions: SuiteDimensionTallies;

  constructor(suite = '') {
    this.dimensions = emptyTallies(suite);
  }

  /** `index` is the case's position in its suite: it orders blockerFailures. */
  addCase(
    c: { id: string; blocker: boolean; index: number; tags?: CaseResult['tags'] },
    status: SampleStatus,
    samples: readonly SampleResult[],
  ): void {
    this.cases++;
    if (c.blocker && status !== 'pass') this.blockers.push({ index: c.index, id: c.id });
    for (const s of samples) this.addSample(s);
    tallyCase(this.dimensions, c.tags, samples);
  }

  private addSample(s: SampleResult): void {
    this.samples++;
    if (s.status === 'error') this.errors++;
    else {
      if (s.status === 'pass') this.passed++;
      else this.failed++;
      if (s.refusal) this.refusals++;
    }
    for (const v of s.graders) {
      if (v.error) continue;
      if (v.excluded) {
        this.excluded.set(v.grader, (this.excluded.get(v.grader) ?? 0) + 1);
        continue;
      }
      let acc = this.scores.get(v.grader);
      if (!acc) this.scores.set(v.grader, (acc = { sum: new ExactSum(), n: 0 }));
      acc.sum.add(v.score);
      acc.n++;
    }
    if (s.output && typeof s.latencyMs === 'number') {
      this.latencies.push(s.latencyMs);
      this.latencySum.add(s.latencyMs);
    }
    if (s.tokens) {
      this.tokens.prompt.add(s.tokens.prompt);
      this.tokens.completion.add(s.tokens.completion);
      this.tokens.total.add(s.tokens.total);
      this.tokens.cached.add(s.tokens.cached ?? 0);
    }
    if (typeof s.cost === 'number') {
      this.cost.add(s.cost);
      this.costKnown = true;
    }
  }

  snapshot(): SuiteMetrics {
    const graded = this.passed + this.failed;
    const graderScores: Record<string, number> = {};
    for (const name of [...this.scores.keys()].sort()) {
      const acc = this.scores.get(name)!;
      graderScores[name] = acc.sum.value() / acc.n;
    }
    const tokenTotal = this.tokens.total.value();
    const costTotal = this.cost.value();
    return {
      cases: this.cases,
      samples: this.samples,
      passed: this.passed,
      failed: this.failed,
      errors: this.errors,
      passRate: graded ? this.passed / graded : null,
      errorRate: this.samples ? this.errors / this.samples : 0,
      refusalRate: graded ? this.refusals / graded : null,
      graderScores,
      ...(this.excluded.size > 0 && {
        graderExcluded: Object.fromEntries(
          [...this.excluded].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        ),
      }),
      latencyMs: latencySummary(this.latencies.sorted(), this.latencySum.value()),
      tokens: {
        prompt: this.tokens.prompt.value(),
        completion: this.tokens.completion.value(),
        total: tokenTotal,
        cached: this.tokens.cached.value(),
        perCase: this.samples ? tokenTotal / this.samples : 0,
      },
      cost: this.costKnown
        ? { total: costTotal, perCase: this.samples ? costTotal / this.samples : 0 }
        : null,
      blockerFailures: this.blockers.sort((a, b) => a.index - b.index).map((b) => b.id),
    };
  }
}

function latencySummary(sorted: Float64Array, sum: number): Percentiles | null {
  if (sorted.length === 0) return null;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    p50: round(percentile(sorted, 0.5)),
    p95: round(percentile(sorted, 0.95)),
    p99: round(percentile(sorted, 0.99)),
    mean: round(sum / sorted.length),
  };
}

/**
 * The p-quantile of ascending `sorted` by linear interpolation between closest ranks
 * (Hyndman & Fan type 7, the default of numpy, R and Excel's PERCENTILE.INC):
 * h = (n − 1)·p, result = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋ + 1] − x[⌊h⌋]).
 * E.g. for 10, 20, 30, 40, 50: p50 = 30, p95 = 48 (h = 3.8).
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * Math.min(Math.max(p, 0), 1);
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  if (lo + 1 >= n) return a;
  return a + (h - lo) * (sorted[lo + 1]! - a);
}

/**
 * The correctly rounded sum of the numbers added, whatever their order (Shewchuk 1997,
 * "Adaptive precision floating-point arithmetic"; the algorithm of Python's math.fsum).
 * The partials list stays a handful of numbers long, so adding is cheap.
 */
export class ExactSum {
  private partials: number[] = [];

  add(value: number): void {
    let x = value;
    const p = this.partials;
    let i = 0;
    for (let j = 0; j < p.length; j++) {
      let y = p[j]!;
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    p.length = i;
    p.push(x);
  }

  value(): number {
    const p = this.partials;
    let n = p.length;
    if (n === 0) return 0;
    let hi = p[--n]!;
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n]!;
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    // Round half-even correctly when the remaining partials push the tie one way.
    if (n > 0 && ((lo < 0 && p[n - 1]! < 0) || (lo > 0 && p[n - 1]! > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}

class GrowableFloat64Array {
  private data = new Float64Array(256);
  private n = 0;

  push(x: number): void {
    if (this.n === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = x;
  }

  sorted(): Float64Array {
    return this.data.slice(0, this.n).sort();
  }
}
