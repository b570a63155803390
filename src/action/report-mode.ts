import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseResultsDocument } from '../compare/input.js';
import { COMPARISON_SCHEMA_VERSION, type ComparisonDocument } from '../compare/types.js';
import { VERDICT_SCHEMA_VERSION, type GateVerdict, type Verdict } from '../gate/types.js';
import type { ComparisonFile } from '../pipeline/gate-change.js';
import { parsePlan } from '../plan/index.js';
import { locateReports } from './artifact.js';
import { InputError, reportTargetOf } from './context.js';
import { FILES, type ActionContext } from './types.js';
import { workdir, verdictOf, setOutputs } from './job.js';
import { startCheck, publishPullRequest } from './publish.js';

/**
 * The trusted half of the fork pattern: publishes the reports another run left in the
 * working directory (its artifact, downloaded: the files themselves, or download-artifact@v4's
 * folder per artifact, see artifact.ts). Runs no code from the pull request; every
 * file is parsed as untrusted input, and everything rendered from it goes through the
 * report's escaping.
 */
export async function reportMode(ctx: ActionContext): Promise<void> {
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
export async function resolveReportTarget(
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

export const VERDICTS: readonly GateVerdict[] = ['pass', 'warn', 'inconclusive', 'fail', 'error'];

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
