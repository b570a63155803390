import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadProject, type LoadedProject, type LoadedSuite } from '../config/load.js';
import { VERDICT_SCHEMA_VERSION, type GateVerdict, type Verdict } from '../gate/types.js';
import { describeGitHubError } from '../github/index.js';
import { formatPlanJson, planFromGit, suitesInPlan, type Plan } from '../plan/index.js';
import { comparisonFileOf } from '../pipeline/gate-change.js';
import { formatUsd } from '../compare/format.js';
import { checkBudget, overBudgetVerdict } from '../pipeline/budget.js';
import { renderEstimateText } from '../plan/estimate.js';
import { latestAttempts, mergeShardPaths } from '../results/shards.js';
import type { ResultsDocument } from '../results/types.js';
import type { RunEvent } from '../runner/run.js';
import { envReferences } from '../targets/env.js';
import { InputError, pullRequestOf } from './context.js';
import { FILES, type ActionContext } from './types.js';

/** The job's side that every mode shares: report files, outputs, the project, the pipeline's options. */
export function workdir(ctx: ActionContext): string {
  return resolve(ctx.workspace, ctx.inputs.workingDirectory);
}

/**
 * `shards: DIR`: the matrix jobs' Results (downloaded artifacts under DIR, relative to the
 * working directory) merged into this job's Results file, which the mode then gates, saves or
 * compares instead of running. Undefined without the input. Refuses (throws) as `evalgate
 * merge` does: a missing, duplicate or mismatched shard is an error, never a partial verdict.
 */
export function mergedShards(ctx: ActionContext): string | undefined {
  if (!ctx.inputs.shards) return undefined;
  const out = outPath(ctx, FILES.results);
  const { merged, shards } = mergeShardPaths(
    [resolve(workdir(ctx), ctx.inputs.shards)],
    workdir(ctx),
    out,
    (all) => {
      // A re-run of a failed shard job: its new attempt replaces the failed one's artifact.
      const { kept, dropped } = latestAttempts(all);
      for (const file of dropped)
        ctx.io.info(`evalgate: ${file} is an earlier attempt of a re-run shard: left out`);
      return kept;
    },
  );
  writeFile(ctx, FILES.results, `${JSON.stringify(merged, null, 2)}\n`);
  ctx.io.info(
    `evalgate: merged ${shards} shards: ${merged.summary.cases} cases, ${merged.summary.samples} samples${merged.summary.partial ? ' (partial: a shard was interrupted)' : ''}`,
  );
  return out;
}

/**
 * budget.maxCostUSD: the estimate of what `suites` will cost (the whole run, on every shard
 * alike; calls the run's cache answers cost nothing), logged; the inconclusive verdict that refuses the run when it is above the budget.
 */
export async function overBudget(
  ctx: ActionContext,
  project: LoadedProject,
  suites: LoadedSuite[],
): Promise<Verdict | undefined> {
  if (project.config.budget.maxCostUSD === undefined || suites.length === 0) return undefined;
  const { run } = pipelineOptions(ctx, project, suites);
  const { estimate, refused } = await checkBudget(project, suites, ctx.env, run);
  ctx.io.info(renderEstimateText(estimate, formatUsd).trimEnd());
  if (!refused) return undefined;
  ctx.io.warning(`evalgate: ${refused}`);
  return overBudgetVerdict(refused);
}

/** The outputs of a mode that ran suites and compared them. */
export function setRunOutputs(ctx: ActionContext, verdict: Verdict, results: ResultsDocument): void {
  setOutputs(ctx, {
    verdict: verdict.verdict,
    'results-path': outPath(ctx, FILES.results),
    'comparison-path': outPath(ctx, FILES.comparison),
    'suites-run': results.suites.map((s) => s.id).join(','),
  });
}

export function outPath(ctx: ActionContext, name: string): string {
  return join(workdir(ctx), name);
}

export function writeFile(ctx: ActionContext, name: string, text: string): void {
  writeFileSync(outPath(ctx, name), text);
}

/** Reports of an earlier run in the same directory must not be uploaded (or published) as this one's. */
export function clearReports(ctx: ActionContext): void {
  for (const name of Object.values(FILES)) rmSync(outPath(ctx, name), { force: true });
}

export function openProject(ctx: ActionContext): LoadedProject {
  const project = loadProject(resolve(workdir(ctx), ctx.inputs.config), { env: ctx.env });
  for (const w of project.warnings) ctx.io.warning(w);
  for (const secret of secretsOf(project.config, ctx.env)) ctx.io.setSecret(secret);
  return project;
}

/**
 * Values of every environment variable the config points at: `apiKeyEnv` (targets, judge)
 * and `${env:NAME}` in any string. Masked before anything runs, so no log line, comment or
 * report can show them.
 */
export function secretsOf(config: unknown, env: Record<string, string | undefined>): string[] {
  const names = new Set<string>();
  const walk = (value: unknown, key?: string): void => {
    if (typeof value === 'string') {
      if (key === 'apiKeyEnv') names.add(value);
      try {
        for (const name of envReferences(value)) names.add(name);
      } catch {
        // A malformed reference is a config error the target reports; nothing to mask.
      }
    } else if (Array.isArray(value)) value.forEach((v) => walk(v));
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(v, k);
  };
  walk(config);
  return [...names].map((n) => env[n]).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

export function pickSuites(project: LoadedProject, ids: string[]): LoadedSuite[] {
  const unknown = ids.filter((id) => !project.suites.some((s) => s.id === id));
  if (unknown.length)
    throw new InputError(
      `input 'suites' names ${unknown.join(', ')}, not in the config (it has: ${project.suites.map((s) => s.id).join(', ') || 'no suite'})`,
    );
  return project.suites.filter((s) => ids.includes(s.id));
}

/**
 * A pull request's plan (against its base, or the `base` input), written to the plan file,
 * and the suites to run: the `suites` input when given, else the plan's. What pr mode and its
 * shards both start from.
 */
export async function planPullRequest(
  ctx: ActionContext,
  project: LoadedProject,
): Promise<{ plan: Plan; suites: LoadedSuite[] }> {
  const pr = pullRequestOf(ctx.payload);
  const plan = await planFromGit({
    cwd: project.rootDir,
    base: ctx.inputs.base || pr.baseSha,
    head: 'HEAD',
    config: project.configPath,
    env: ctx.env,
  });
  writeFile(ctx, FILES.plan, formatPlanJson(plan));
  const suites = ctx.inputs.suites.length
    ? pickSuites(project, ctx.inputs.suites)
    : planSuites(ctx, plan, project);
  return { plan, suites };
}

export function planSuites(ctx: ActionContext, plan: Plan, project: LoadedProject): LoadedSuite[] {
  const { run, missing } = suitesInPlan(plan, project.suites);
  if (missing.length)
    ctx.io.warning(`the plan names suites this config does not have: ${missing.join(', ')}`);
  return run;
}

/** What every mode that runs suites hands the pipeline: the Action's cache, log and GitHub. */
export function pipelineOptions(ctx: ActionContext, project: LoadedProject, suites: LoadedSuite[]) {
  return {
    project,
    suites,
    run: {
      cwd: workdir(ctx),
      out: outPath(ctx, FILES.results),
      concurrency: project.config.concurrency,
      cache: project.config.cache.enabled,
      // The directory action.yml restores and saves with actions/cache, wherever the config is.
      cacheDir: join(workdir(ctx), '.evalgate', 'cache'),
      suiteIds: suites.map((s) => s.id),
      // A re-run of the job must not replay the failures that made it worth re-running.
      refreshFailures: ctx.runAttempt > 1,
    },
    repoDir: project.rootDir,
    env: ctx.env,
    ...(ctx.github && { github: { octokit: ctx.github.octokit, ...ctx.repo } }),
    ...(ctx.signal && { signal: ctx.signal }),
    onEvent: (e: RunEvent) => {
      if (e.type === 'suite-finished')
        ctx.io.info(
          `  ${e.suite}: ${e.metrics.passed} passed, ${e.metrics.failed} failed, ${e.metrics.errors} errors`,
        );
      else if (e.type === 'warning') ctx.io.warning(e.message);
      else if (e.type === 'rate-limit')
        ctx.io.info(`  ${e.target}: rate limited, pausing ${Math.ceil(e.pauseMs / 1000)}s`);
    },
    log: (line: string) => ctx.io.info(line),
  };
}

export function verdictOf(verdict: GateVerdict): Verdict {
  return {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    verdict,
    reasons: [],
    counts: { info: 0, warn: 0, inconclusive: 0, fail: 0, error: 0 },
  };
}

export function comparisonJson(g: Parameters<typeof comparisonFileOf>[0]): string {
  return `${JSON.stringify(comparisonFileOf(g), null, 2)}\n`;
}

export function setOutputs(ctx: ActionContext, outputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(outputs)) ctx.io.setOutput(name, value);
}

export function failOnVerdict(ctx: ActionContext, verdict: Verdict): void {
  const failing =
    verdict.verdict === 'fail' ||
    verdict.verdict === 'error' ||
    (verdict.verdict === 'inconclusive' && ctx.inputs.failOnInconclusive);
  if (!failing) return;
  const top = verdict.reasons.find((r) => r.level === verdict.verdict);
  ctx.io.setFailed(
    `evalgate: ${verdict.verdict}${top ? ` — ${top.suite ? `${top.suite}: ` : ''}${top.message}` : ''}`,
  );
}

export function isHttpError(e: unknown): boolean {
  const err = e as { status?: unknown; response?: unknown } | null;
  return typeof err?.status === 'number' && err.response !== undefined;
}

export function githubOrOwnMessage(e: unknown): string {
  return isHttpError(e) ? describeGitHubError(e).message : e instanceof Error ? e.message : String(e);
}
