import { baselineHistory, type Baseline, type BaselineSource } from '../baseline/index.js';
import type { ComparisonDocument } from '../compare/types.js';
import type { ResultsDocument } from '../results/types.js';

/** Characters of a baseline output kept in the comparison, as compare keeps of a failing one. */
const OUTPUT_LIMIT = 2000;

/**
 * What the report shows from the stored baselines beside the comparison: each suite's
 * pass-rate history on the default branch (for the trend chart), how its baseline kept
 * outputs, and for each case that got worse the baseline's output (so a reviewer reads
 * what it said before next to what it says now). Only store baselines have a history; a
 * re-measured base has one point and no chart.
 *
 * `baselineResults` is the document compared with (with any edited cases merged in), so
 * the outputs are those of the very samples the comparison paired.
 */
export function withBaselineContext(
  comparison: ComparisonDocument,
  baselines: ReadonlyMap<string, Baseline>,
  sources: Record<string, BaselineSource>,
  baselineResults: ResultsDocument,
): ComparisonDocument {
  const results = new Map(baselineResults.suites.map((s) => [s.id, new Map(s.cases.map((c) => [c.id, c]))]));
  return {
    ...comparison,
    suites: comparison.suites.map((suite) => {
      const baseline = baselines.get(suite.id);
      if (!baseline) return suite;
      const cases = results.get(suite.id);
      return {
        ...suite,
        ...(sources[suite.id] === 'store' && { history: baselineHistory(baseline) }),
        baselinePrivacy: baseline.privacy,
        transitions: suite.transitions.map((t) => {
          if (t.change !== 'worse') return t;
          const samples = cases?.get(t.id)?.samples ?? [];
          const output = (samples.find((s) => s.status === 'pass') ?? samples[0])?.output?.output;
          if (output === undefined) return t;
          return {
            ...t,
            baselineOutput: output.length > OUTPUT_LIMIT ? `${output.slice(0, OUTPUT_LIMIT)}…` : output,
          };
        }),
      };
    }),
  };
}
