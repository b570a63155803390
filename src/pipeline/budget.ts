import type { LoadedProject, LoadedSuite } from '../config/load.js';
import { prepareTargets } from '../config/targets.js';
import { formatUsd } from '../compare/format.js';
import { VERDICT_SCHEMA_VERSION, type Verdict } from '../gate/types.js';
import { estimateRun, type CostEstimate } from '../plan/estimate.js';

/**
 * Cost before spending: the run's estimate (plan/estimate.ts) against `budget.maxCostUSD`.
 * A run whose estimated cost is above the limit is refused before any model is called; the
 * CLI exits 2 and the Action's check is neutral with the reason (the comment says so). A run
 * that cannot be priced in full is compared by its priced part and the refusal says so; a
 * paid model (an `openai` target, the judge) without a price is refused, since its cost is
 * what the budget exists to bound: a budget is never passed unchecked.
 */
export interface BudgetCheck {
  estimate: CostEstimate;
  /** Why the run is refused; absent when it may run. */
  refused?: string;
}

export async function checkBudget(
  project: LoadedProject,
  suites: LoadedSuite[],
  env: Record<string, string | undefined>,
): Promise<BudgetCheck> {
  // Nothing is sent: a key or a variable the targets would need to call is not needed to
  // render the requests and count them, so a plan made without secrets still gets its estimate.
  const rendering = { ...env };
  for (const spec of Object.values(project.config.targets)) {
    const keyEnv =
      (spec as { apiKeyEnv?: string }).apiKeyEnv ?? (spec.type === 'openai' ? 'OPENAI_API_KEY' : undefined);
    if (keyEnv && rendering[keyEnv] === undefined) rendering[keyEnv] = 'not-set-for-the-estimate';
  }
  const targets = prepareTargets(project, suites, rendering);
  try {
    const estimate = await estimateRun(project, suites, targets);
    const max = project.config.budget.maxCostUSD;
    if (max === undefined) return { estimate };
    // A budget that cannot be checked is not passed: a paid model without a price refuses.
    const unpriced = [
      ...estimate.targets
        .filter((t) => t.kind === 'openai' && t.costUSD === null)
        .map((t) => ({ model: t.model ?? '?', calls: t.calls })),
      ...(estimate.judge && estimate.judge.costUSD === null ? [estimate.judge] : []),
    ];
    if (unpriced.length)
      return {
        estimate,
        refused: `budget.maxCostUSD is ${formatUsd(max)}, but ${unpriced
          .map((u) => `${u.calls} calls to '${u.model}'`)
          .join(
            ' and ',
          )} cannot be priced: nothing was run. Add ${unpriced.length === 1 ? 'the model' : 'the models'} to \`prices\` (input and output USD per million tokens) so the budget can be checked`,
      };
    if (estimate.costUSD === null || estimate.costUSD <= max) return { estimate };
    const partly = estimate.unpricedCalls
      ? ` (and ${estimate.unpricedCalls} calls that cannot be priced)`
      : '';
    return {
      estimate,
      refused: `the run would cost ${estimate.upperBound ? 'up to' : 'about'} ${formatUsd(estimate.costUSD)}${partly}, above budget.maxCostUSD ${formatUsd(max)}: nothing was run. Raise the budget, or run fewer suites or samples`,
    };
  } finally {
    for (const t of targets.values()) await t.close?.();
  }
}

/** The verdict of a refused run: inconclusive (nothing was measured), with the reason. */
export function overBudgetVerdict(reason: string): Verdict {
  return {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    verdict: 'inconclusive',
    reasons: [{ level: 'inconclusive', code: 'cost-over-budget', message: reason }],
    counts: { info: 0, warn: 0, inconclusive: 1, fail: 0, error: 0 },
  };
}
