import type { LoadedProject, LoadedSuite } from '../config/load.js';
import { prepareTargets } from '../config/targets.js';
import { formatUsd } from '../compare/format.js';
import { VERDICT_SCHEMA_VERSION, type Verdict } from '../gate/types.js';
import { callsAModel, estimateRun, type CostEstimate, type EstimateOptions } from '../plan/estimate.js';
import { versionsForWorkingTree } from '../plan/index.js';
import { cacheAnswers } from '../runner/cache.js';
import { gradeAnswer, gradeInput, sampleStatus } from '../runner/grade.js';
import { cacheKey } from '../runner/key.js';
import { PriceTable } from '../runner/pricing.js';
import { cacheNamespace } from '../runner/run.js';
import { runCache, type EvaluateOptions } from './evaluate.js';

/**
 * Cost before spending: the run's estimate (plan/estimate.ts) against `budget.maxCostUSD`.
 * A run whose estimated cost is above the limit is refused before any model is called; the
 * CLI exits 2 and the Action's check is neutral with the reason (the comment says so). A run
 * that cannot be priced in full is compared by its priced part and the refusal says so; a
 * paid model (an `openai` target, the judge) without a price is refused, since its cost is
 * what the budget exists to bound: a budget is never passed unchecked.
 *
 * The limit is held to what the run will send: a call the run's response cache will answer
 * costs nothing, so a fully cached re-run goes ahead at any budget. The cache is looked in
 * as the runner will look (its cache, its key, each target's cache namespace); an entry that
 * cannot be read and a target the runner does not cache count as sent, as does, in a run
 * that refreshes failures, a cached answer that fails its graders (see cacheProbe).
 */
export type BudgetOptions = Partial<Pick<EvaluateOptions, 'cache' | 'cacheDir' | 'refreshFailures'>>;

export interface BudgetCheck {
  estimate: CostEstimate;
  /** Why the run is refused; absent when it may run. */
  refused?: string;
}

/**
 * `options` are the run's own (EvaluateOptions' `cache`, `cacheDir`, `refreshFailures`), so
 * the estimate looks in the cache the run will use; without them nothing counts as cached.
 */
export async function checkBudget(
  project: LoadedProject,
  suites: LoadedSuite[],
  env: Record<string, string | undefined>,
  options: BudgetOptions = {},
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
    const estimate = await estimateRun(project, suites, targets, await cacheProbe(project, suites, options));
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
    const cost = estimate.costToSendUSD;
    if (cost === null || cost <= max) return { estimate };
    const unpricedToSend =
      estimate.targets.filter((t) => t.costUSD === null).reduce((n, t) => n + t.calls - t.cachedCalls, 0) +
      (estimate.judge && estimate.judge.costUSD === null ? estimate.judge.calls : 0);
    const partly = unpricedToSend ? ` (and ${unpricedToSend} calls that cannot be priced)` : '';
    return {
      estimate,
      refused: `the run would cost ${estimate.upperBound ? 'up to' : 'about'} ${formatUsd(cost)}${partly}, above budget.maxCostUSD ${formatUsd(max)}: nothing was run. Raise the budget, or run fewer suites or samples`,
    };
  } finally {
    for (const t of targets.values()) await t.close?.();
  }
}

/**
 * Whether the run's cache will answer a sample: the runner's key (runner/key.ts) under the
 * runner's namespace for the target (cacheNamespace), looked up without reading the entry.
 * A run that refreshes failures asks again for a cached answer that does not pass: the
 * entry is read and graded as the runner grades it, and a case with a grader that calls a
 * model (whose verdict would cost a call to know) counts as sent.
 */
async function cacheProbe(
  project: LoadedProject,
  suites: LoadedSuite[],
  options: BudgetOptions,
): Promise<EstimateOptions> {
  const cache = runCache(project, {
    cache: options.cache === true,
    ...(options.cacheDir !== undefined && { cacheDir: options.cacheDir }),
  });
  if (!cache) return {};
  const namespaces = new Map<string, string | null>();
  let versions: Awaited<ReturnType<typeof versionsForWorkingTree>> | null | undefined;
  for (const name of new Set(suites.map((s) => s.target))) {
    const spec = project.config.targets[name];
    let systemVersion: string | undefined;
    // An http or command target cached on request is keyed by its system version, as the
    // run keys it (pipeline/evaluate.ts); when the versions cannot be told, its calls count
    // as sent.
    if (spec && spec.type !== 'openai' && (spec as { cache?: boolean }).cache) {
      if (versions === undefined) versions = await versionsForWorkingTree(project).catch(() => null);
      if (versions === null) {
        namespaces.set(name, null);
        continue;
      }
      systemVersion = versions.targets[name]?.systemVersion;
    }
    namespaces.set(name, cacheNamespace(name, spec, systemVersion));
  }
  const prices = new PriceTable(project.config.prices);
  return {
    cached: async ({ suite, case: c, target, request, index }) => {
      const namespace = namespaces.get(suite.target);
      if (namespace === null || namespace === undefined) return false;
      const key = cacheKey(namespace, request, index);
      if (!options.refreshFailures) return cacheAnswers(cache, key);
      if (c.graders.some(callsAModel)) return false;
      const hit = await cache.get(key);
      if (!hit) return false;
      const input = gradeInput({ prices }, c, target, hit.output, hit.latencyMs);
      return sampleStatus(await gradeAnswer(c, input)) === 'pass';
    },
  };
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
