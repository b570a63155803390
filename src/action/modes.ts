import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseResultsDocument } from '../compare/input.js';
import { COMPARISON_SCHEMA_VERSION, type ComparisonDocument } from '../compare/types.js';
import { loadProject, type LoadedProject, type LoadedSuite } from '../config/load.js';
import { renderConfirmationText } from '../gate/confirm.js';
import { VERDICT_SCHEMA_VERSION, type GateVerdict, type Verdict } from '../gate/types.js';
import { describeGitHubError, type GitHubApi, type GitHubOctokit } from '../github/index.js';
import { formatPlanJson, parsePlan, planFromGit, suitesInPlan, type Plan } from '../plan/index.js';
import { comparisonFileOf, gateChange } from '../pipeline/gate-change.js';
import { recordBaseline } from '../pipeline/record-baseline.js';
import { completeCheckRun, startCheckRun } from '../publish/check-run.js';
import { upsertStickyComment } from '../publish/sticky-comment.js';
import { renderCheckRun } from '../report/check-run.js';
import { COMMENT_MAX_CHARS, renderPrComment, type ReportLinks } from '../report/comment.js';
import { renderStepSummary, STEP_SUMMARY_MAX_BYTES } from '../report/step-summary.js';
import type { ResultsDocument } from '../results/types.js';
import type { RunEvent } from '../runner/run.js';
import { envReferences } from '../targets/env.js';
import { locateReports } from './artifact.js';
import { isCancellation, throwIfCancelled } from './cancel.js';
import { commentAuthors, commentKey, commitRef, markOutdated } from './outdated.js';
import {
  InputError,
  pullRequestOf,
  reportTargetOf,
  TWO_WORKFLOW_HINT,
  type ActionInputs,
  type EventPayload,
  type Mode,
} from './context.js';

/**
 * The four things the Action does, as compositions of the pipeline stages (plan → run →
 * compare → gate → report) and publish. Everything from outside comes in through
 * `ActionContext`: no `@actions/core`, no `process.env` here, so the same code is what
 * main.ts runs and what a test can drive.
 */

/** The job's side of the runner: log, outputs, masking, the step summary. */
export interface ActionIO {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  setOutput(name: string, value: string): void;
  setSecret(value: string): void;
  /** Appends markdown to the step summary. */
  appendSummary(markdown: string): Promise<void>;
  setFailed(message: string): void;
}

export interface GitHubPort {
  octokit: GitHubOctokit;
  api: GitHubApi;
}

export interface ActionContext {
  inputs: ActionInputs;
  mode: Mode;
  payload: EventPayload;
  /** GITHUB_WORKSPACE: the repository root the comment key and annotations are relative to. */
  workspace: string;
  env: Record<string, string | undefined>;
  repo: { owner: string; repo: string };
  /** The workflow run's page, for links. */
  runUrl?: string;
  /** Absent when there is no token: nothing is published, the reports are still written. */
  github?: GitHubPort;
  io: ActionIO;
  /** GITHUB_SERVER_URL, e.g. `https://github.com`: commit links in the comment. */
  serverUrl?: string;
  /**
   * Aborted when the runner cancels the job (or it times out): no model call starts after it,
   * and nothing claims a verdict the run did not reach (see action/cancel.ts).
   */
  signal?: AbortSignal;
  /** GITHUB_RUN_ATTEMPT: 1 for the first run of the job, 2 for its first re-run, … */
  runAttempt: number;
}

/** The report files, in the working directory, that action.yml uploads as the artifact. */
export const FILES = {
  results: 'evalgate-results.json',
  comparison: 'evalgate-comparison.json',
  report: 'evalgate-report.md',
  plan: 'evalgate-plan.json',
  /** Which pull request the reports are for: report mode's fallback when GitHub does not say. */
  pr: 'evalgate-pr.json',
} as const;

/** `evalgate-comparison.json`: what `evalgate compare --format json` prints. */
interface ComparisonFile extends Verdict {
  comparison: ComparisonDocument;
}

export async function runAction(ctx: ActionContext): Promise<void> {
  ctx.io.info(`evalgate: mode ${ctx.mode}${ctx.inputs.mode === 'auto' ? ' (picked by the event)' : ''}`);
  switch (ctx.mode) {
    case 'pr':
      return prMode(ctx);
    case 'baseline':
      return baselineMode(ctx);
    case 'full':
      return fullMode(ctx);
    case 'report':
      return reportMode(ctx);
  }
}

// ---------------------------------------------------------------- modes

async function prMode(ctx: ActionContext): Promise<void> {
  const { inputs, io } = ctx;
  clearReports(ctx);
  const pr = pullRequestOf(ctx.payload);
  writeFile(ctx, FILES.pr, `${JSON.stringify({ number: pr.number, headSha: pr.headSha })}\n`);
  if (pr.fromFork)
    io.info(
      `Pull request #${pr.number} comes from a fork: GitHub gives its workflows a read-only token, so the comment and the check may be refused. The reports are still written; to publish them, ${TWO_WORKFLOW_HINT}.`,
    );
  // Started first, so even a config error ends in a failed check rather than one that never comes.
  const check = await startCheck(ctx, pr.headSha);
  // An earlier commit's verdict must not pass for this one's while this one runs.
  await markOutdated(ctx, { number: pr.number, headSha: pr.headSha });
  try {
    const project = openProject(ctx);
    const plan = await planFromGit({
      cwd: project.rootDir,
      base: inputs.base || pr.baseSha,
      head: 'HEAD',
      config: project.configPath,
      env: ctx.env,
    });
    writeFile(ctx, FILES.plan, formatPlanJson(plan));
    const suites = inputs.suites.length ? pickSuites(project, inputs.suites) : planSuites(ctx, plan, project);
    io.info(
      suites.length
        ? `Suites to run: ${suites.map((s) => s.id).join(', ')}`
        : 'Nothing evaluated is affected by this change: no suite runs.',
    );

    if (suites.length === 0) {
      const verdict = verdictOf('pass');
      await publishPullRequest(ctx, { number: pr.number, headSha: pr.headSha, check, plan, verdict });
      setOutputs(ctx, { verdict: 'pass', 'suites-run': '' });
      return;
    }

    const gated = await gateChange({
      ...pipelineOptions(ctx, project, suites),
      baseRef: inputs.base || pr.baseSha,
    });
    // A run cut short by the cancel is no run to compare or gate: stop before any verdict.
    throwIfCancelled(ctx.signal);
    writeFile(ctx, FILES.comparison, comparisonJson(gated));
    await publishPullRequest(ctx, {
      number: pr.number,
      headSha: pr.headSha,
      check,
      plan,
      results: gated.results,
      comparison: gated.comparison,
      verdict: gated.verdict,
      notes: gated.notes,
    });
    setRunOutputs(ctx, gated.verdict, gated.results);
    failOnVerdict(ctx, gated.verdict);
  } catch (e) {
    // Cancelled: main.ts completes the check as cancelled; nothing here may claim a verdict.
    if (isCancellation(e) || ctx.signal?.aborted) throw e;
    // The check must not stay in progress forever: branch protection would wait on it.
    if (check && ctx.github) {
      const message = e instanceof Error ? e.message : String(e);
      await github(ctx, 'complete the check run', () =>
        completeCheckRun(ctx.github!.api, check.id, {
          conclusion: 'failure',
          title: 'evalgate: error',
          summary: `evalgate could not finish:\n\n\`\`\`text\n${message.slice(0, 60_000).replace(/```/g, "'''")}\n\`\`\``,
          annotations: [],
        }),
      );
    }
    ctx.io.setOutput('verdict', 'error');
    throw e;
  }
}

async function baselineMode(ctx: ActionContext): Promise<void> {
  clearReports(ctx);
  const { io } = ctx;
  const project = openProject(ctx);
  const suites = ctx.inputs.suites.length ? pickSuites(project, ctx.inputs.suites) : project.suites;
  const recorded = await recordBaseline(pipelineOptions(ctx, project, suites)).catch((e: unknown) => {
    if (isCancellation(e)) throw e;
    throw new Error(`recording the baselines failed: ${githubOrOwnMessage(e)}`, { cause: e });
  });
  throwIfCancelled(ctx.signal);
  const confirmation = renderConfirmationText(recorded.confirmation);
  if (confirmation) io.info(confirmation.trimEnd());
  const { save } = recorded;
  let headline: string;
  if (save.status !== 'saved') {
    (save.status === 'refused' ? io.warning : io.info)(`evalgate: ${save.why}`);
    headline = `### evalgate baseline: ${save.why}`;
  } else {
    const commit = save.commit ? ` in commit ${save.commit.slice(0, 12)}` : '';
    const created = save.created.length
      ? `baseline created for ${save.created.length === save.suites.length ? 'every suite' : save.created.map((id) => `\`${id.replace(/`/g, '')}\``).join(', ')}`
      : '';
    const updated = save.suites.length - save.created.length;
    const parts = [created, updated ? `${updated} baseline(s) updated` : ''].filter(Boolean).join('; ');
    headline = `### evalgate baseline: ${parts} (${save.suites.length} suite(s) saved to ${save.where.replace(/`/g, '')}${commit})`;
    io.info(`evalgate: ${parts}, saved to ${save.where}${commit}`);
  }
  await summary(ctx, `${headline}\n\n`, { verdict: recorded.verdict, results: recorded.results });
  setOutputs(ctx, {
    verdict: recorded.verdict.verdict,
    'results-path': outPath(ctx, FILES.results),
    'suites-run': recorded.results.suites.map((s) => s.id).join(','),
  });
  failOnVerdict(ctx, recorded.verdict);
}

async function fullMode(ctx: ActionContext): Promise<void> {
  clearReports(ctx);
  const project = openProject(ctx);
  const suites = ctx.inputs.suites.length ? pickSuites(project, ctx.inputs.suites) : project.suites;
  // Scheduled and manual runs have no base revision: failing blockers are confirmed in this
  // arm only, and nothing is settled.
  const gated = await gateChange(pipelineOptions(ctx, project, suites));
  throwIfCancelled(ctx.signal);
  writeFile(ctx, FILES.comparison, comparisonJson(gated));
  const report = await summary(ctx, '', {
    verdict: gated.verdict,
    comparison: gated.comparison,
    results: gated.results,
    notes: gated.notes,
  });
  writeFile(ctx, FILES.report, report);
  setRunOutputs(ctx, gated.verdict, gated.results);
  failOnVerdict(ctx, gated.verdict);
}

/**
 * The trusted half of the fork pattern: publishes the reports another run left in the
 * working directory (its artifact, downloaded: the files themselves, or download-artifact@v4's
 * folder per artifact, see artifact.ts). Runs no code from the pull request; every
 * file is parsed as untrusted input, and everything rendered from it goes through the
 * report's escaping.
 */
async function reportMode(ctx: ActionContext): Promise<void> {
  const runAttempt = ctx.payload.workflow_run?.run_attempt;
  // The artifact's own files: evalgate-report.md is what this mode writes, not what it reads.
  const artifactFiles = [FILES.comparison, FILES.results, FILES.plan, FILES.pr];
  const { dir, note } = locateReports(workdir(ctx), artifactFiles, {
    ...(typeof runAttempt === 'number' && { runAttempt }),
  });
  if (note) ctx.io.info(note);
  const read = (name: string) => {
    const file = join(dir, name);
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  };
  const target = await resolveReportTarget(ctx, reportTargetOf(ctx.payload), read(FILES.pr));
  const planText = read(FILES.plan);
  const resultsText = read(FILES.results);
  const comparisonText = read(FILES.comparison);
  const plan = planText === undefined ? undefined : parsePlan(planText, FILES.plan);
  const results = resultsText === undefined ? undefined : parseResultsDocument(resultsText, FILES.results);
  let verdict: Verdict;
  let comparison: ComparisonDocument | undefined;
  if (comparisonText !== undefined) {
    ({ verdict, comparison } = parseComparisonFile(comparisonText));
  } else if (plan && plan.suites.length === 0) {
    verdict = verdictOf('pass');
  } else {
    throw new InputError(
      `mode: report found no ${FILES.comparison} in ${dir}: download the artifact of the \`pull_request\` run (actions/download-artifact@v4 with \`run-id: \${{ github.event.workflow_run.id }}\`) into the working directory first`,
    );
  }
  const check = await startCheck(ctx, target.headSha);
  await publishPullRequest(ctx, {
    number: target.number,
    headSha: target.headSha,
    check,
    ...(plan && { plan }),
    ...(results && { results }),
    ...(comparison && { comparison }),
    verdict,
  });
  setOutputs(ctx, {
    verdict: verdict.verdict,
    ...(results && { 'results-path': join(dir, FILES.results) }),
    ...(comparison && { 'comparison-path': join(dir, FILES.comparison) }),
    'suites-run': results?.suites.map((s) => s.id).join(',') ?? '',
  });
  // The verdict is on the check run this mode just completed; the publishing job itself succeeded.
}

/**
 * The pull request number when GitHub left it out of the `workflow_run` (fork pull requests):
 * taken from the artifact, which the pull request's own code could have written, so it is
 * believed only when that pull request's head is the commit the workflow run ran on.
 */
async function resolveReportTarget(
  ctx: ActionContext,
  target: { number?: number; headSha: string },
  prFile: string | undefined,
): Promise<{ number: number; headSha: string }> {
  if (target.number !== undefined) return { number: target.number, headSha: target.headSha };
  const claimed = (() => {
    try {
      const n = (JSON.parse(prFile ?? 'null') as { number?: unknown } | null)?.number;
      return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
    } catch {
      return undefined;
    }
  })();
  if (claimed === undefined || !ctx.github) {
    throw new InputError(
      `the workflow_run names no pull request (GitHub leaves it out for some fork pull requests) and ${FILES.pr} in the artifact does not name one: nothing to comment on`,
    );
  }
  const pull = await ctx.github.api.getPullRequest(claimed);
  if (pull.headSha !== target.headSha) {
    throw new InputError(
      `${FILES.pr} names pull request #${claimed}, whose head ${pull.headSha.slice(0, 12)} is not the commit the workflow run ran on (${target.headSha.slice(0, 12)}): not publishing`,
    );
  }
  ctx.io.info(
    `The workflow_run names no pull request; #${claimed} from the artifact matches its head commit.`,
  );
  return { number: claimed, headSha: target.headSha };
}

// ---------------------------------------------------------------- stages

function workdir(ctx: ActionContext): string {
  return resolve(ctx.workspace, ctx.inputs.workingDirectory);
}

/** The outputs of a mode that ran suites and compared them. */
function setRunOutputs(ctx: ActionContext, verdict: Verdict, results: ResultsDocument): void {
  setOutputs(ctx, {
    verdict: verdict.verdict,
    'results-path': outPath(ctx, FILES.results),
    'comparison-path': outPath(ctx, FILES.comparison),
    'suites-run': results.suites.map((s) => s.id).join(','),
  });
}

function outPath(ctx: ActionContext, name: string): string {
  return join(workdir(ctx), name);
}

function writeFile(ctx: ActionContext, name: string, text: string): void {
  writeFileSync(outPath(ctx, name), text);
}

/** Reports of an earlier run in the same directory must not be uploaded (or published) as this one's. */
function clearReports(ctx: ActionContext): void {
  for (const name of Object.values(FILES)) rmSync(outPath(ctx, name), { force: true });
}

function openProject(ctx: ActionContext): LoadedProject {
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

function pickSuites(project: LoadedProject, ids: string[]): LoadedSuite[] {
  const unknown = ids.filter((id) => !project.suites.some((s) => s.id === id));
  if (unknown.length)
    throw new InputError(
      `input 'suites' names ${unknown.join(', ')}, not in the config (it has: ${project.suites.map((s) => s.id).join(', ') || 'no suite'})`,
    );
  return project.suites.filter((s) => ids.includes(s.id));
}

function planSuites(ctx: ActionContext, plan: Plan, project: LoadedProject): LoadedSuite[] {
  const { run, missing } = suitesInPlan(plan, project.suites);
  if (missing.length)
    ctx.io.warning(`the plan names suites this config does not have: ${missing.join(', ')}`);
  return run;
}

/** What every mode that runs suites hands the pipeline: the Action's cache, log and GitHub. */
function pipelineOptions(ctx: ActionContext, project: LoadedProject, suites: LoadedSuite[]) {
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

function verdictOf(verdict: GateVerdict): Verdict {
  return {
    schemaVersion: VERDICT_SCHEMA_VERSION,
    verdict,
    reasons: [],
    counts: { info: 0, warn: 0, inconclusive: 0, fail: 0, error: 0 },
  };
}

function comparisonJson(g: Parameters<typeof comparisonFileOf>[0]): string {
  return `${JSON.stringify(comparisonFileOf(g), null, 2)}\n`;
}

const VERDICTS: readonly GateVerdict[] = ['pass', 'warn', 'inconclusive', 'fail', 'error'];

/** Reads `evalgate-comparison.json` from an artifact: shape-checked, never trusted. */
export function parseComparisonFile(text: string): { verdict: Verdict; comparison: ComparisonDocument } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${FILES.comparison} is not JSON: ${(e as Error).message}`);
  }
  const d = doc as Partial<ComparisonFile> | null;
  const ok =
    d &&
    typeof d === 'object' &&
    d.schemaVersion === VERDICT_SCHEMA_VERSION &&
    VERDICTS.includes(d.verdict as GateVerdict) &&
    Array.isArray(d.reasons) &&
    d.reasons.every((r) => r && typeof r === 'object' && typeof r.message === 'string') &&
    d.counts &&
    typeof d.counts === 'object' &&
    d.comparison &&
    typeof d.comparison === 'object' &&
    d.comparison.schemaVersion === COMPARISON_SCHEMA_VERSION &&
    Array.isArray(d.comparison.suites) &&
    Array.isArray(d.comparison.removedSuites) &&
    Array.isArray(d.comparison.changes);
  if (!ok)
    throw new InputError(
      `${FILES.comparison} is not a comparison of this evalgate version (schema ${VERDICT_SCHEMA_VERSION}, comparison schema ${COMPARISON_SCHEMA_VERSION})`,
    );
  const { comparison, ...verdict } = d as ComparisonFile;
  return { verdict: verdict as Verdict, comparison };
}

// ---------------------------------------------------------------- publish

interface CheckHandle {
  id: number;
  htmlUrl: string | null;
}

async function startCheck(ctx: ActionContext, headSha: string): Promise<CheckHandle | undefined> {
  throwIfCancelled(ctx.signal);
  if (!ctx.github) return undefined;
  const api = ctx.github.api;
  const started = await github(ctx, 'start the check run', () =>
    startCheckRun(api, {
      headSha,
      name: ctx.inputs.checkName,
      ...(ctx.runUrl && { detailsUrl: ctx.runUrl }),
    }),
  );
  if (started) ctx.io.setOutput('check-run-id', String(started.id));
  return started ? { id: started.id, htmlUrl: started.htmlUrl } : undefined;
}

interface Publication {
  number: number;
  headSha: string;
  check: CheckHandle | undefined;
  plan?: Plan;
  results?: ResultsDocument;
  comparison?: ComparisonDocument;
  verdict: Verdict;
  notes?: string[];
}

/**
 * The comment, the check and the step summary of one pull request, each within its size
 * limit. A write GitHub refuses is a warning with the fix, never a crash: the step summary
 * and the report files are written whatever happens.
 */
async function publishPullRequest(ctx: ActionContext, p: Publication): Promise<void> {
  // After a cancel nothing is published as if the run had ended: the cancel path says what happened.
  throwIfCancelled(ctx.signal);
  const { inputs, io } = ctx;
  const notes = p.notes?.length ? `\n${p.notes.map((n) => `> ${n}`).join('\n>\n')}\n` : '';
  const links: ReportLinks = {
    ...(ctx.runUrl && { run: ctx.runUrl }),
    // action.yml uploads the artifact after this step, so its own URL is not known yet; the
    // run page lists it.
    ...(ctx.runUrl && { artifact: `${ctx.runUrl}#artifacts` }),
    ...(p.check?.htmlUrl && { checkRun: p.check.htmlUrl }),
  };
  const input = {
    verdict: p.verdict,
    ...(p.plan && { plan: p.plan }),
    ...(p.results && { results: p.results }),
    ...(p.comparison && { comparison: p.comparison }),
    links,
  };

  const report = await summary(ctx, '', { ...input, notes: p.notes ?? [] });
  writeFile(ctx, FILES.report, report);

  if (ctx.github && inputs.comment) {
    const api = ctx.github.api;
    const key = commentKey(ctx);
    const body = `${renderPrComment({
      ...input,
      key,
      // The commit judged, on the headline: a later commit's run marks it outdated (outdated.ts).
      commit: commitRef(ctx, p.headSha),
      maxChars: COMMENT_MAX_CHARS - notes.length,
    })}${notes}`;
    const authors = await commentAuthors(ctx);
    const posted = await github(ctx, 'post the pull-request comment', () =>
      upsertStickyComment(api, { issueNumber: p.number, key, body, authors }),
    );
    if (posted) {
      io.info(`Comment ${posted.action}: ${posted.comment.htmlUrl}`);
      if (posted.duplicates.length)
        io.warning(
          `Found ${posted.duplicates.length} more evalgate comment(s) for ${key} (two runs raced); updated the oldest.`,
        );
      io.setOutput('comment-url', posted.comment.htmlUrl);
    }
  }

  if (ctx.github && p.check) {
    const api = ctx.github.api;
    const check = p.check;
    const payload = renderCheckRun({
      ...input,
      failOnInconclusive: inputs.failOnInconclusive,
      name: inputs.checkName,
      repoRoot: ctx.workspace,
      maxSummaryChars: 65_535 - notes.length,
    });
    await github(ctx, 'complete the check run', () =>
      completeCheckRun(api, check.id, {
        conclusion: payload.conclusion,
        title: payload.title,
        summary: `${payload.summary}${notes}`,
        ...(payload.text !== undefined && { text: payload.text }),
        annotations: payload.annotations,
      }),
    );
  }
}

/** Writes the step summary (within GitHub's 1 MiB) and returns the report it holds. */
async function summary(
  ctx: ActionContext,
  lead: string,
  input: Parameters<typeof renderStepSummary>[0] & { notes?: string[] },
): Promise<string> {
  const { notes = [], ...report } = input;
  const tail = notes.length ? `\n${notes.map((n) => `> ${n}`).join('\n>\n')}\n` : '';
  const reserved = Buffer.byteLength(lead + tail, 'utf8');
  const text = `${lead}${renderStepSummary({ ...report, maxBytes: STEP_SUMMARY_MAX_BYTES - reserved })}${tail}`;
  try {
    await ctx.io.appendSummary(text);
  } catch (e) {
    ctx.io.warning(`Could not write the step summary: ${(e as Error).message}`);
  }
  return text;
}

function isHttpError(e: unknown): boolean {
  const err = e as { status?: unknown; response?: unknown } | null;
  return typeof err?.status === 'number' && err.response !== undefined;
}

function githubOrOwnMessage(e: unknown): string {
  return isHttpError(e) ? describeGitHubError(e).message : e instanceof Error ? e.message : String(e);
}

/**
 * One GitHub call that may be refused: a 4xx (or what is left after the client's retries)
 * becomes a warning with the fix and `undefined`. Anything that is not GitHub answering is
 * a bug and propagates.
 */
async function github<T>(ctx: ActionContext, what: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (e) {
    if (!isHttpError(e) && !(e as { request?: unknown } | null)?.request) throw e;
    ctx.io.warning(`Could not ${what}: ${describeGitHubError(e).message}`);
    return undefined;
  }
}

function setOutputs(ctx: ActionContext, outputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(outputs)) ctx.io.setOutput(name, value);
}

function failOnVerdict(ctx: ActionContext, verdict: Verdict): void {
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
