import { relative } from 'node:path';
import { readHead } from '../changes/head.js';
import type { LoadedProject, LoadedSuite } from '../config/load.js';
import type { Price } from '../config/schema.js';
import { versionsForWorkingTree } from '../plan/index.js';
import type { ShardInfo } from '../plan/shard.js';
import { createDiskCache, projectCache, type ResponseCache } from '../runner/cache.js';
import { runEval, type RunEvent, type RunOutcome } from '../runner/run.js';
import type { Target } from '../targets/types.js';

export interface EvaluateOptions {
  /** Where relative paths in the Results document are reported from. */
  cwd: string;
  out: string;
  concurrency: number;
  cache: boolean;
  /** Where the response cache lives; default: the config's `cache.dir`. */
  cacheDir?: string;
  suiteIds?: string[];
  filters?: string[];
  /** Request cached answers that graded fail or error afresh (see RunOptions.refreshFailures). */
  refreshFailures?: boolean;
  /** Where sample indices start, for a re-sampling run (see RunOptions.sampleOffset). */
  sampleOffset?: number;
  /** The run is one shard of a split run: recorded in the Results for `evalgate merge`. */
  shard?: ShardInfo;
  /** USD per million tokens by model; default: the config's `prices` (a batch run passes batch prices). */
  prices?: Record<string, Price>;
  /** The targets answer from these OpenAI batches (`run --batch`): recorded in the Results. */
  batch?: { batches: string[] };
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
}

/**
 * The response cache a run with these options reads and writes, or null when it uses none:
 * the pre-flight estimate (pipeline/budget.ts) looks in the same one the run will.
 */
export function runCache(
  project: LoadedProject,
  options: Pick<EvaluateOptions, 'cache' | 'cacheDir'>,
): ResponseCache | null {
  if (!options.cache) return null;
  return options.cacheDir
    ? createDiskCache(options.cacheDir)
    : (projectCache(project.config, project.rootDir) ?? null);
}

/**
 * The run stage as the CLI and the Action both call it: records the git state and the
 * component and system version ids (from change detection) in the Results document, then
 * runs. One function, so a PR comment is exactly what `evalgate run` reproduces locally.
 */
export async function evaluate(
  project: LoadedProject,
  suites: LoadedSuite[],
  targets: Map<string, Target>,
  options: EvaluateOptions,
): Promise<RunOutcome> {
  const versions = await versionsForWorkingTree(project);
  const targetInfo = Object.fromEntries(
    [...targets].map(([name, t]) => [
      name,
      { ...t.info, ...(versions.targets[name] && { systemVersion: versions.targets[name].systemVersion }) },
    ]),
  );
  const git = await readHead(project.rootDir);
  return runEval({
    project,
    suites,
    targets,
    outFile: options.out,
    concurrency: options.concurrency,
    timeoutMs: project.config.timeoutMs,
    retries: project.config.retries,
    cache: runCache(project, options),
    prices: options.prices ?? project.config.prices,
    ...(options.refreshFailures && { refreshFailures: true }),
    ...(options.sampleOffset && { sampleOffset: options.sampleOffset }),
    ...(options.signal && { signal: options.signal }),
    run: {
      ...(git.sha && { gitSha: git.sha }),
      ...(git.ref && { gitRef: git.ref }),
      configPath: relative(options.cwd, project.configPath) || project.configPath,
      components: versions.components,
      targets: targetInfo,
      options: {
        concurrency: options.concurrency,
        cache: options.cache,
        ...(options.suiteIds?.length && { suites: options.suiteIds }),
        ...(options.filters?.length && { filters: options.filters }),
        ...(options.shard && { shard: options.shard }),
        ...(options.batch && { batch: options.batch }),
      },
    },
    ...(options.onEvent && { onEvent: options.onEvent }),
  });
}
