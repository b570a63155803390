import { readFileSync } from 'node:fs';
import { parseResultsDocument } from '../compare/input.js';
import type { LoadedProject, LoadedSuite } from '../config/load.js';
import { prepareTargets } from '../config/targets.js';
import { dimensionTalliesOf } from '../results/dimension-tally.js';
import type { ResultsDocument } from '../results/types.js';
import type { RunEvent, RunOutcome } from '../runner/run.js';
import { evaluate, type EvaluateOptions } from './evaluate.js';

/**
 * The run stage as every composition starts it (the PR gate, the baseline, a shard): the
 * suites run with their targets built and closed around the run, read back as the Results
 * document the later stages take — or, with `current`, a Results document that was run
 * elsewhere (merged shards), read as if this stage had written it.
 */
export interface RunStageOptions {
  project: LoadedProject;
  suites: LoadedSuite[];
  run: Omit<EvaluateOptions, 'signal' | 'onEvent'>;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** A Results document to take instead of running. */
  current?: string;
}

export async function runStage(
  options: RunStageOptions,
): Promise<{ outcome: RunOutcome; results: ResultsDocument }> {
  if (options.current !== undefined) {
    const results = parseResultsDocument(readFileSync(options.current, 'utf8'), options.current);
    return { outcome: outcomeOf(results, options.current), results };
  }
  const targets = prepareTargets(options.project, options.suites, options.env);
  try {
    const outcome = await evaluate(options.project, options.suites, targets, {
      ...options.run,
      ...(options.signal && { signal: options.signal }),
      ...(options.onEvent && { onEvent: options.onEvent }),
    });
    return { outcome, results: parseResultsDocument(readFileSync(outcome.path, 'utf8'), outcome.path) };
  } finally {
    for (const t of targets.values()) await t.close?.();
  }
}

/** A Results document that was not run here (merged shards), as the run stage's outcome. */
export function outcomeOf(results: ResultsDocument, path: string): RunOutcome {
  return {
    path,
    runId: results.run.id,
    summary: results.summary,
    suites: results.suites.map((s) => ({ id: s.id, tier: s.tier, target: s.target, metrics: s.metrics })),
    dimensions: dimensionTalliesOf(results),
    resumed: 0,
  };
}
