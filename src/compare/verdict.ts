import { formatInterval, formatMagnitude, formatPValue } from './format.js';
import { DEFAULT_ALPHA, DEFAULT_MIN_EFFECT, type TestedMetric } from './settings.js';
import { holmAdjust } from './stats/holm.js';
import type {
  MetricComparison,
  MetricId,
  MetricThresholds,
  MetricVerdict,
  ThresholdSettings,
} from './types.js';

/**
 * Holm's correction, one family per suite: a suite's tested metrics (pass rate, error and
 * refusal rates, grader scores) are adjusted among themselves and nothing else — in two
 * families: the metrics that gate (pass rate, grader scores) and the ones budgets watch
 * (error and refusal rates), so a refusal-rate test never halves a pass-rate test's α. Sets each
 * metric's `pAdjusted`; returns the size of each suite's family.
 *
 * Why per suite and not across the run. The run's plan decides which suites run (only
 * those a change touches), so a family spanning the run would make a suite's verdict depend
 * on which other suites happened to run beside it: the same 10 broken cases out of 120 are
 * `fail` alone and `inconclusive` next to three other suites (p 0.035 → 0.106). A required
 * check must give the same answer for the same data, so the family is fixed by the config:
 * each suite is its own family, tested at its own α.
 *
 * The price is stated plainly: with no real change anywhere, each trusted suite that runs
 * falsely blocks with probability at most α, so a PR that runs k trusted suites is falsely
 * blocked with probability at most k·α (about 1 − (1 − α)^k when independent). Splitting α
 * across every suite in the config would bound the PR at α, but then adding a suite to the
 * config would weaken every other suite's test, and a suite's power would fall with the
 * size of the repository's config — the same data again judged differently. Per-suite α
 * keeps each suite's guarantee local (its owner sets its α in `gate.suites`), and a false
 * block is cheap to clear (re-run, or re-sample with `gate.resample`) while a missed
 * regression ships.
 *
 * Tests with no informative pair (no discordant case, every difference zero) have p = 1
 * whatever happens and can never reject; leaving them out of the family is Tarone's (1990)
 * refinement for discrete tests, and keeps a suite with no errors from diluting the power
 * of its pass-rate test. Their `pAdjusted` is 1.
 */
export function adjustWithinSuites(tested: readonly TestedMetric[]): Map<string, number> {
  const families = new Map<string, MetricComparison[]>();
  for (const t of tested) {
    if (t.informative === 0) {
      t.metric.pAdjusted = 1;
      continue;
    }
    // Error and refusal rates are watched (budgets), not gated by default: their own family,
    // so watching them never dilutes the pass-rate and score tests that can block.
    const watched = t.metric.metric === 'errorRate' || t.metric.metric === 'refusalRate';
    const key = `${t.suite}\u0000${watched ? 'watched' : 'gated'}`;
    const family = families.get(key) ?? [];
    family.push(t.metric);
    families.set(key, family);
  }
  const sizes = new Map<string, number>();
  for (const [key, family] of families) {
    const adjusted = holmAdjust(family.map((m) => m.pValue ?? 1));
    family.forEach((m, i) => (m.pAdjusted = adjusted[i]!));
    const suite = key.slice(0, key.indexOf('\u0000'));
    sizes.set(suite, (sizes.get(suite) ?? 0) + family.length);
  }
  return sizes;
}

/**
 * The verdict for one metric from its numbers, with `pAdjusted` already Holm-adjusted:
 *  - regressed: the change is worse than −minEffect AND pAdjusted < α;
 *  - improved: the change is better than +minEffect AND pAdjusted < α;
 *  - unchanged: the 1 − α interval lies within ±minEffect (equivalence; a 1 − α interval is
 *    conservative for a TOST at level α);
 *  - inconclusive: anything else — the data cannot tell.
 */
export function judgeMetric(m: MetricComparison): { verdict: MetricVerdict; reason: string } {
  if (m.n === 0 || m.delta === null || m.pAdjusted === null) {
    return { verdict: 'not-comparable', reason: m.reason || 'no case has a value in both runs' };
  }
  const better = m.direction === 'higher-is-better' ? m.delta : -m.delta;
  const significant = m.pAdjusted < m.alpha;
  const effect = formatMagnitude(m.metric, m.minEffect);
  const p = `${formatPValue(m.pAdjusted)} after Holm`;
  const move =
    m.delta === 0
      ? 'did not move'
      : `${m.delta > 0 ? 'rose' : 'fell'} ${formatMagnitude(m.metric, Math.abs(m.delta))}`;
  if (better < -m.minEffect && significant) {
    return {
      verdict: 'regressed',
      reason: `${move}, more than the ${effect} minimum effect, ${p} < α ${m.alpha}`,
    };
  }
  if (better > m.minEffect && significant) {
    return {
      verdict: 'improved',
      reason: `${move}, more than the ${effect} minimum effect, ${p} < α ${m.alpha}`,
    };
  }
  if (m.interval && m.interval.lower >= -m.minEffect && m.interval.upper <= m.minEffect) {
    return {
      verdict: 'unchanged',
      reason: `the ${confidence(m.alpha)} interval (${formatInterval(m.metric, m.interval)}) rules out a change larger than ${effect}`,
    };
  }
  if (Math.abs(m.delta) > m.minEffect) {
    return {
      verdict: 'inconclusive',
      reason: `${move} but ${p} ≥ α ${m.alpha}: too few ${m.test?.method === 'mcnemar-exact' ? 'discordant cases' : 'changed cases'} to tell it from noise`,
    };
  }
  return {
    verdict: 'inconclusive',
    reason: `${move}; the ${confidence(m.alpha)} interval (${formatInterval(m.metric, m.interval)}) still allows a change larger than ${effect}`,
  };
}

/** Thresholds for one suite and metric: suite + metric, then suite, then metric, then top level, then defaults. */
export function resolveThresholds(
  settings: ThresholdSettings,
  suite: string,
  metric: MetricId,
): MetricThresholds {
  const s = settings.suites?.[suite];
  const sm = s?.metrics?.[metric] ?? (metric.startsWith('score:') ? s?.metrics?.['score:*'] : undefined);
  const m =
    settings.metrics?.[metric] ?? (metric.startsWith('score:') ? settings.metrics?.['score:*'] : undefined);
  return {
    alpha: sm?.alpha ?? s?.alpha ?? m?.alpha ?? settings.alpha ?? DEFAULT_ALPHA,
    minEffect: sm?.minEffect ?? s?.minEffect ?? m?.minEffect ?? settings.minEffect ?? DEFAULT_MIN_EFFECT,
  };
}

function confidence(alpha: number): string {
  return `${+((1 - alpha) * 100).toFixed(2)}%`;
}
