import type { LoadedProject, LoadedSuite } from '../config/load.js';
import { answerInBatches, removeBatchState } from '../runner/batch/index.js';
import { cacheNamespace } from '../runner/run.js';
import { batchPrices } from '../runner/pricing.js';
import type { RunOutcome } from '../runner/run.js';
import type { Target } from '../targets/types.js';
import { evaluate, runCache, type EvaluateOptions } from './evaluate.js';

export interface BatchEvaluateOptions extends EvaluateOptions {
  /** How often a batch's status is asked for, in ms. */
  pollIntervalMs: number;
  /** Progress lines (batch ids, status changes); untrusted text, escape before printing. */
  log: (line: string) => void;
  /** Default 50,000 (the provider's limit). */
  maxRequestsPerBatch?: number;
}

/**
 * `evalgate run --batch`: the run stage with every target request sent through the OpenAI
 * Batch API first (runner/batch/), then the ordinary run (evaluate) answered from the batch,
 * costed at batch prices (runner/pricing.ts, BATCH_PRICE_FACTOR). The batch state lives at
 * `<out>.batch.json` beside the run's journal: a restarted run resumes the same batch, and a
 * complete run removes it, as it removes its journal.
 */
export async function evaluateInBatch(
  project: LoadedProject,
  suites: LoadedSuite[],
  targets: Map<string, Target>,
  options: BatchEvaluateOptions,
): Promise<RunOutcome> {
  const stateFile = `${options.out}.batch.json`;
  const cache = runCache(project, options);
  const answered = await answerInBatches({
    suites,
    targets,
    cache,
    cached: (name) => cacheNamespace(name, project.config.targets[name], undefined) !== null,
    stateFile,
    pollIntervalMs: options.pollIntervalMs,
    ...(options.sampleOffset && { sampleOffset: options.sampleOffset }),
    ...(options.maxRequestsPerBatch && { maxRequestsPerBatch: options.maxRequestsPerBatch }),
    ...(options.signal && { signal: options.signal }),
    log: options.log,
  });
  const outcome = await evaluate(project, suites, answered.targets, {
    ...options,
    prices: batchPrices(project.config.prices),
    batch: { batches: Object.values(answered.batches).flat() },
  });
  if (outcome.journal === undefined) removeBatchState(stateFile);
  return outcome;
}
