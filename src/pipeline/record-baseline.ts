import { dirname } from 'node:path';
import {
  baselinesToResults,
  fingerprintExtrasForProject,
  openBaselineStore,
  saveBaselines,
  type OctokitLike,
} from '../baseline/index.js';
import { compare } from '../compare/compare.js';
import type { LoadedProject, LoadedSuite } from '../config/load.js';
import type { BlockerConfirmation } from '../gate/confirm.js';
import { gate, verdictFromReasons } from '../gate/gate.js';
import type { GateReason, Verdict } from '../gate/types.js';
import type { ResultsDocument } from '../results/types.js';
import type { RunEvent, RunOutcome } from '../runner/run.js';
import { freshSampler, type ArmSampler } from './arms.js';
import { confirmFailingBlockers, emptyConfirmation } from './confirm.js';
import { type EvaluateOptions } from './evaluate.js';
import { CONFIRM_SAMPLE_OFFSET } from './gate-change.js';
import { runStage } from './run-stage.js';

/**
 * The default branch's side: run every suite, confirm its failing blockers with fresh
 * samples (there is no base to compare with, so a blocker that fails most fresh samples is
 * simply failing), and save the Results as the suites' baselines.
 *
 *   run       every suite                                   → Results
 *   gate      on what needs no baseline: failing blockers, infrastructure errors, absolute budgets
 *   confirm   failing blockers re-sampled fresh             → failing | flaky (recorded on the case)
 *   save      unless the run could not be trusted (error) or was interrupted
 *
 * A flaky blocker is saved with its estimated failure rate (`flaky` on the case), so the
 * pull requests that meet it later can say it is known to be flaky.
 */

export interface RecordBaselineOptions {
  project: LoadedProject;
  suites: LoadedSuite[];
  run: Omit<EvaluateOptions, 'signal' | 'onEvent'>;
  repoDir: string;
  env: Record<string, string | undefined>;
  github?: { octokit: OctokitLike; owner: string; repo: string };
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** Fresh samples for confirmation; the runner by default. Injected in tests. */
  sampler?: ArmSampler;
  /** A Results document to record instead of running: the merged shards of a split run. */
  current?: string;
}

export interface RecordedBaseline {
  outcome: RunOutcome;
  results: ResultsDocument;
  verdict: Verdict;
  confirmation: BlockerConfirmation;
  /**
   * skipped: the `rerun` store keeps nothing; refused: the run was interrupted or had too many
   * infrastructure errors to be a baseline; saved: written (created: suites that had none).
   */
  save:
    | { status: 'skipped' | 'refused'; why: string }
    | { status: 'saved'; suites: string[]; created: string[]; where: string; commit?: string };
}

/** Reasons that need no baseline: what the default branch's own run can fail on. */
const NEEDS_NO_BASELINE = new Set<GateReason['code']>([
  'infrastructure-errors',
  'run-partial',
  'budget-absolute',
]);

export async function recordBaseline(options: RecordBaselineOptions): Promise<RecordedBaseline> {
  const { project } = options;
  const policy = project.config.gate;
  const { outcome, results } = await runStage(options);

  const comparison = compare(baselinesToResults([]), results, { thresholds: policy });
  const stage1 = ownReasons(gate(comparison, policy));
  const confirmed =
    results.summary.partial || options.signal?.aborted
      ? { verdict: stage1, confirmation: emptyConfirmation(policy, 'not-needed', false) }
      : await confirmFailingBlockers({
          comparison,
          verdict: stage1,
          policy,
          baseArm: false,
          sample: () =>
            options.sampler ??
            freshSampler({
              project,
              repoDir: options.repoDir,
              env: options.env,
              outDir: dirname(outcome.path),
              purpose: 'confirm',
              concurrency: options.run.concurrency,
              sampleOffset: CONFIRM_SAMPLE_OFFSET,
              ...(options.signal && { signal: options.signal }),
            }),
        });
  const { verdict, confirmation } = confirmed;
  markFlaky(results, confirmation);

  const save = await saveStage(options, results, verdict);
  return { outcome, results, verdict, confirmation, save };
}

/** Saves the run as the baselines, unless the store keeps none or the run cannot be one. */
async function saveStage(
  options: RecordBaselineOptions,
  results: ResultsDocument,
  verdict: Verdict,
): Promise<RecordedBaseline['save']> {
  const { project } = options;
  const store = openBaselineStore(project.config.baseline, {
    rootDir: project.rootDir,
    env: options.env,
    ...(options.github && { github: options.github }),
  });
  if (!store)
    return {
      status: 'skipped',
      why: 'the `rerun` baseline store keeps no baselines: each pull request re-measures its base',
    };
  if (results.summary.partial) return { status: 'refused', why: 'the run was interrupted: nothing saved' };
  if (verdict.verdict === 'error')
    return {
      status: 'refused',
      why: 'the run had too many infrastructure errors to be a baseline: nothing saved; re-run the job once the targets answer',
    };
  const before = await store.load(results.suites.map((s) => s.id)).catch(() => new Map());
  const saved = await saveBaselines({
    store,
    results,
    privacy: project.config.baseline.privacy,
    extras: fingerprintExtrasForProject(project),
    previous: before,
  });
  const suites = saved.baselines.map((b) => b.suite);
  return {
    status: 'saved',
    suites,
    created: suites.filter((id) => !before.has(id)),
    where: store.kind.startsWith('git-branch') ? `branch ${project.config.baseline.branch}` : store.kind,
    ...(saved.commit && { commit: saved.commit }),
  };
}

/**
 * The verdict from the reasons a run carries alone, as on the default branch, where it is
 * the baseline. A failing blocker there is not "new": it fails on the default branch.
 */
function ownReasons(v: Verdict): Verdict {
  return verdictFromReasons(
    v.reasons
      .filter((r) => r.code.startsWith('blocker-') || NEEDS_NO_BASELINE.has(r.code))
      .map((r) =>
        r.code === 'blocker-new-failing' ? { ...r, message: 'blocker case fails on this branch' } : r,
      ),
  );
}

/** Records each flaky blocker's estimated failure rate on its case, for later runs to show. */
function markFlaky(results: ResultsDocument, confirmation: BlockerConfirmation): void {
  for (const b of confirmation.blockers) {
    if (b.outcome !== 'flaky' || b.failureRate === null) continue;
    const c = results.suites.find((s) => s.id === b.suite)?.cases.find((x) => x.id === b.case);
    if (c)
      c.flaky = {
        failureRate: b.failureRate,
        samples: b.stage1.passed + b.stage1.failed + b.current.passed + b.current.failed,
      };
  }
}
