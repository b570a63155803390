import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import {
  BaselineStoreError,
  baselinesToResults,
  compareInputs,
  fingerprintExtrasForProject,
  loadBaselines,
  openBaselineStore,
  type BaselineSource,
  type LoadedBaselines,
  type OctokitLike,
} from '../baseline/index.js';
import { runGit } from '../changes/git.js';
import { compare, unpairedCases } from '../compare/compare.js';
import { mergeBaselineCases } from '../compare/merge.js';
import type { ComparisonDocument } from '../compare/types.js';
import { loadProject, type LoadedProject, type LoadedSuite } from '../config/load.js';
import type { BlockerConfirmation } from '../gate/confirm.js';
import { gate } from '../gate/gate.js';
import { samplingFor, type GatePolicy } from '../gate/schema.js';
import { renderSequentialNote, sampleSequentially, type SequentialReport } from '../gate/sequential.js';
import type { Verdict } from '../gate/types.js';
import { describeGitHubError } from '../github/errors.js';
import type { ResultsDocument } from '../results/types.js';
import type { RunEvent, RunOutcome } from '../runner/run.js';
import { freshSampler, type ArmSampler } from './arms.js';
import { withBaselineContext } from './baseline-context.js';
import { confirmFailingBlockers, emptyConfirmation } from './confirm.js';
import type { EvaluateOptions } from './evaluate.js';
import { runStage } from './run-stage.js';
import {
  applySettlement,
  settleCapacity,
  settleInconclusive,
  stageOnePolicy,
  type Settlement,
} from './settle.js';

/**
 * The pull-request gate, composed once: what `evalgate run --base` and the Action's
 * pull-request (and full) modes both run, so a capability added here is in both.
 *
 *   run        the affected suites                                  → Results
 *   baselines  from the store, or the base ref re-measured (rerun)  → Baseline Results
 *   edits      cases the change added or edited, run on the base too  → Baseline Results (merged)
 *   sequential unsettled cases sampled again in both arms (gate/sequential.ts) → both Results
 *   compare    paired, and gate at α₁ when re-sampling is on        → Comparison, Verdict
 *   confirm    failing blockers re-sampled fresh in both arms       → Verdict (gate/confirm.ts)
 *   settle     inconclusive trusted suites re-sampled at α₂          → Verdict (settle.ts)
 *
 * Each step is a named function below; none of them touches the terminal, GitHub's log or
 * process.env: progress goes to `log`, the environment comes in as `env`.
 */

/** Sample indices of fresh samples start here, far from any `repeat`, so their seeds are new. */
export const CONFIRM_SAMPLE_OFFSET = 1000;
export const SETTLE_SAMPLE_OFFSET = 2000;
/** Round r of sequential sampling takes sample index SEQUENTIAL_SAMPLE_OFFSET + r. */
export const SEQUENTIAL_SAMPLE_OFFSET = 3000;

/** What the edits arm did: cases the change added or edited, measured on its base as well. */
export interface EditsArm {
  /** not-needed: every case paired; no-base: no base revision to run them on; ran; failed. */
  status: 'not-needed' | 'no-base' | 'ran' | 'failed';
  budget: number;
  calls: number;
  /** Measured on the base and merged into the baseline. */
  cases: { suite: string; case: string; why: 'new' | 'changed' }[];
  /** Left unpaired for lack of budget: the comparison names them. */
  skipped: { suite: string; case: string; why: 'new' | 'changed' }[];
  error?: string;
}

export interface GateChangeOptions {
  project: LoadedProject;
  /** The suites to run (from the plan, or chosen). */
  suites: LoadedSuite[];
  /** The run stage's options (where the Results go, concurrency, cache). */
  run: Omit<EvaluateOptions, 'signal' | 'onEvent'>;
  /**
   * A Results document to gate instead of running: the merged shards of a split run
   * (`evalgate merge`). Confirmation and settlement still sample fresh, as always.
   */
  current?: string;
  /** The change's base revision: the `rerun` store, the base arm of confirmation and settlement. */
  baseRef?: string;
  /** Any directory in the repository. */
  repoDir: string;
  env: Record<string, string | undefined>;
  /** The git-branch store through the GitHub API (the Action) instead of local git. */
  github?: { octokit: OctokitLike; owner: string; repo: string };
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** One line of progress at a time (confirmation, settlement); already plain text. */
  log?: (line: string) => void;
  /** Fresh samples for confirmation and settlement; the runner by default. Injected in tests. */
  sampler?: (purpose: SamplePurpose, sampleOffset: number) => ArmSampler;
}

type SamplePurpose = 'confirm' | 'settle' | 'edits' | 'sequential';

export interface GatedChange {
  outcome: RunOutcome;
  /** The run's Results, with the fresh samples of sequential sampling appended. */
  results: ResultsDocument;
  comparison: ComparisonDocument;
  verdict: Verdict;
  /** Where each suite's baseline came from. */
  sources: Record<string, BaselineSource>;
  /** Said under the report: suites without a baseline, a store that could not be read. */
  notes: string[];
  confirmation: BlockerConfirmation;
  edits: EditsArm;
  settlement?: Settlement;
  sampling: SequentialReport;
}

export async function gateChange(options: GateChangeOptions): Promise<GatedChange> {
  const { project } = options;
  const policy = project.config.gate;
  const { outcome, results: firstPass } = await runStage(options);
  const baselines = await baselineStage(options, firstPass);
  const edits = await editsStage(options, baselines.loaded.results, firstPass);
  const sequential = await sequentialStage(options, edits.baseline, firstPass);
  const results = sequential.current;
  const comparison = withBaselineContext(
    compare(sequential.baseline, results, {
      // With re-sampling on, this comparison is stage 1 of two and may spend only α₁ of α.
      thresholds: stageOnePolicy(policy),
      staleAfterDays: policy.baseline.maxAgeDays,
      ...compareInputs(baselines.loaded.baselines, results, fingerprintExtrasForProject(project)),
    }),
    // The report's trend chart and the baseline's outputs of the cases that got worse.
    baselines.loaded.baselines,
    baselines.loaded.sources,
    sequential.baseline,
  );
  let verdict = gate(comparison, stageOnePolicy(policy));
  const gated = {
    outcome,
    results,
    comparison,
    sources: baselines.loaded.sources,
    notes: [...baselines.notes, ...edits.notes, ...[renderSequentialNote(sequential.report) ?? []].flat()],
    edits: edits.arm,
    sampling: sequential.report,
  };
  // An interrupted run is judged as it is (the gate says `error`): no more calls are made.
  if (results.summary.partial || options.signal?.aborted) {
    return { ...gated, verdict, confirmation: emptyConfirmation(policy, 'not-needed', !!options.baseRef) };
  }

  const confirmation = await confirmFailingBlockers({
    comparison,
    verdict,
    policy,
    baseArm: !!options.baseRef,
    sample: () => samplerFor(options, 'confirm'),
  });
  verdict = confirmation.verdict;
  const settled =
    policy.resample.callBudget > 0 && options.baseRef && !options.signal?.aborted
      ? await settleInconclusive({
          comparison,
          verdict,
          policy,
          sampleArms: async (cases, n) => {
            const sample = samplerFor(options, 'settle');
            const current = await sample('current', cases, n);
            const baseline = await sample('base', cases, n);
            return { current, baseline };
          },
        })
      : undefined;
  if (settled) verdict = settled.verdict;
  gated.notes.push(...budgetNotes(policy, confirmation.confirmation, settled?.settlement));
  return {
    ...gated,
    ...(settled && { comparison: applySettlement(comparison, settled.settlement) }),
    verdict,
    confirmation: confirmation.confirmation,
    ...(settled && { settlement: settled.settlement }),
  };
}

/** What confirmation and settlement could not do for lack of budget, said where the verdict is read. */
function budgetNotes(
  policy: GatePolicy,
  confirmation: BlockerConfirmation,
  settlement?: Settlement,
): string[] {
  const notes: string[] = [];
  if (confirmation.skipped.length) {
    notes.push(
      `⚠️ ${confirmation.skipped.length} failing blocker case(s) were not confirmed with fresh samples (gate.blockers.confirm.callBudget ${confirmation.budget} is spent): a single failing sample blocks them.`,
    );
  }
  if (settlement && settlement.status !== 'not-needed' && settlement.status !== 'decided') {
    const cap = settleCapacity(policy);
    if (!cap.canConfirm)
      notes.push(
        `⚠️ gate.resample.callBudget ${policy.resample.callBudget} cannot confirm a regression: at α₂ = ${+cap.alpha2.toPrecision(3)} stage 2 needs at least ${cap.minCases} re-sampled cases (${cap.minCalls} calls at ${policy.resample.samplesPerArm} samples per arm); it can only clear inconclusive results.`,
      );
    if (settlement.skipped)
      notes.push(
        `ℹ️ Re-sampling left out ${settlement.skipped} discordant case(s) for lack of budget (gate.resample.callBudget).`,
      );
  }
  return notes;
}

/**
 * Sequential sampling (gate/sequential.ts): in the trusted suites that ask for it, the cases
 * whose arms disagree get fresh samples in both arms, round by round, until they settle or
 * the suite's call budget is spent. Skipped for an interrupted run.
 */
async function sequentialStage(
  options: GateChangeOptions,
  baseline: ResultsDocument,
  current: ResultsDocument,
): Promise<{ baseline: ResultsDocument; current: ResultsDocument; report: SequentialReport }> {
  const policy = options.project.config.gate;
  const stopped = current.summary.partial || options.signal?.aborted;
  const out = await sampleSequentially({
    baseline,
    current,
    sampling: (suite) => samplingFor(policy, suite),
    suites: stopped ? [] : current.suites.filter((s) => s.tier === 'trusted').map((s) => s.id),
    baseArm: !!options.baseRef,
    sampleRound: async (cases, round) => {
      const sample = samplerFor(options, 'sequential', SEQUENTIAL_SAMPLE_OFFSET + round);
      const cur = await sample('current', cases, 1);
      const base = await sample('base', cases, 1);
      return { current: cur, baseline: base };
    },
    ...(options.signal && { signal: options.signal }),
  });
  if (out.report.status === 'ran' || out.report.status === 'failed')
    options.log?.(
      `Sequential sampling: ${out.report.rounds} round(s), ${out.report.calls.extra} fresh calls in both arms${out.report.error ? ' (then a round could not be sampled: see the note)' : ''}.`,
    );
  return out;
}

/**
 * Cases the change added or edited have no stored baseline to pair with (their per-case hash
 * differs, or the id is new). They are run on the base commit too — the change's definitions
 * against the base's prompts, models and code (pipeline/arms.ts) — within
 * `gate.edits.callBudget`, and merged into the baseline, so an edit is compared case by
 * case like any other change. Whatever the budget leaves out stays unpaired, and the gate
 * names it. A sampling failure leaves the baseline as it was (the cases stay unpaired).
 */
async function editsStage(
  options: GateChangeOptions,
  baseline: ResultsDocument,
  results: ResultsDocument,
): Promise<{ baseline: ResultsDocument; arm: EditsArm; notes: string[] }> {
  const { callBudget } = options.project.config.gate.edits;
  const arm: EditsArm = { status: 'not-needed', budget: callBudget, calls: 0, cases: [], skipped: [] };
  const unpaired = unpairedCases(baseline, results).flatMap((u) =>
    u.cases.map((c) => ({ suite: u.suite, case: c.id, why: c.why })),
  );
  if (unpaired.length === 0 || results.summary.partial || options.signal?.aborted)
    return { baseline, arm, notes: [] };
  if (!options.baseRef) return { baseline, arm: { ...arm, status: 'no-base', skipped: unpaired }, notes: [] };

  const repeatOf = new Map(results.suites.map((s) => [s.id, Math.max(1, s.repeat)]));
  let spent = 0;
  for (const c of unpaired) {
    const cost = repeatOf.get(c.suite) ?? 1;
    if (spent + cost <= callBudget) {
      arm.cases.push(c);
      spent += cost;
    } else arm.skipped.push(c);
  }
  const notes: string[] = [];
  if (arm.skipped.length)
    notes.push(
      `⚠️ ${arm.skipped.length} added or edited case(s) were not run on the base commit (gate.edits.callBudget ${callBudget} is spent): they are compared with nothing and named below.`,
    );
  if (arm.cases.length === 0) return { baseline, arm: { ...arm, status: 'ran' }, notes };

  const sample = samplerFor(options, 'edits');
  let merged = baseline;
  try {
    // One call per suite, at that suite's own repeat.
    for (const suite of [...new Set(arm.cases.map((c) => c.suite))]) {
      const cases = arm.cases.filter((c) => c.suite === suite);
      merged = mergeBaselineCases(merged, await sample('base', cases, repeatOf.get(suite) ?? 1));
      arm.calls += cases.length * (repeatOf.get(suite) ?? 1);
    }
  } catch (e) {
    notes.push(`⚠️ Added or edited cases could not be run on the base commit: ${(e as Error).message}`);
    return { baseline, arm: { ...arm, status: 'failed', error: (e as Error).message }, notes };
  }
  options.log?.(
    `Ran ${arm.cases.length} added or edited case(s) on the base commit too (${arm.calls} calls), to pair them.`,
  );
  return { baseline: merged, arm: { ...arm, status: 'ran' }, notes };
}

/**
 * The suites' baselines. A suite with none is compared with an empty baseline, so its
 * failing blockers still fail. A store that is there but unreadable must not let the gate
 * pass: only GitHub refusing to answer (or the store saying what is wrong) becomes "no
 * baseline", and is said in the notes; anything else propagates.
 */
async function baselineStage(
  options: GateChangeOptions,
  results: ResultsDocument,
): Promise<{ loaded: LoadedBaselines; notes: string[] }> {
  const { project } = options;
  const suiteIds = results.suites.map((s) => s.id);
  const store = openBaselineStore(project.config.baseline, {
    rootDir: project.rootDir,
    env: options.env,
    ...(options.github && { github: options.github }),
  });
  const notes: string[] = [];
  let loaded: LoadedBaselines;
  try {
    loaded = await loadBaselines({
      store,
      suiteIds,
      ...(!store &&
        options.baseRef && {
          rerun: {
            repoDir: options.repoDir,
            baseRef: options.baseRef,
            configPath: await repoRelative(options.repoDir, project.configPath, options.env),
            env: options.env,
            runSuites: (dir, { configPath, suiteIds: ids }) => rerunSuites(options, dir, configPath, ids),
          },
        }),
    });
  } catch (e) {
    if (!isHttpError(e) && !(e instanceof BaselineStoreError)) throw e;
    const problem = isHttpError(e) ? describeGitHubError(e).message : (e as Error).message;
    options.log?.(`Could not read the stored baselines: ${problem}`);
    notes.push(
      '⚠️ The stored baselines could not be read (see the log); these suites were compared with an empty baseline, so only failing blocker cases can fail the gate.',
    );
    loaded = {
      baselines: new Map(),
      sources: Object.fromEntries(suiteIds.map((id) => [id, 'missing' as const])),
      results: baselinesToResults([]),
    };
  }
  const missing = suiteIds.filter((id) => loaded.sources[id] === 'missing');
  if (missing.length && notes.length === 0) {
    notes.push(
      `ℹ️ No baseline yet for ${missing.map((id) => `\`${id.replace(/`/g, '')}\``).join(', ')}: it is saved by a push to the default branch (the Action in \`baseline\` mode, or \`evalgate baseline save\`). Until then these suites are compared with an empty baseline, so failing blocker cases still fail.`,
    );
  }
  return { loaded, notes };
}

/** The `rerun` store's run of the base ref: the same runner and cache as the change's run. */
async function rerunSuites(
  options: GateChangeOptions,
  dir: string,
  configPath: string,
  suiteIds: readonly string[],
): Promise<ResultsDocument> {
  const project = loadProject(resolve(dir, configPath), { env: options.env });
  const suites = project.suites.filter((s) => suiteIds.includes(s.id));
  const out = mkdtempSync(join(tmpdir(), 'evalgate-rerun-'));
  try {
    return (
      await runStage({
        ...options,
        project,
        suites,
        run: { ...options.run, cwd: dir, out: join(out, 'results.json'), suiteIds: [...suiteIds] },
      })
    ).results;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function samplerFor(options: GateChangeOptions, purpose: SamplePurpose, offset?: number): ArmSampler {
  // Edits are ordinary samples of the base, paired index for index with the change's.
  const sampleOffset =
    offset ??
    (purpose === 'confirm' ? CONFIRM_SAMPLE_OFFSET : purpose === 'settle' ? SETTLE_SAMPLE_OFFSET : 0);
  if (options.sampler) return options.sampler(purpose, sampleOffset);
  return freshSampler({
    project: options.project,
    repoDir: options.repoDir,
    ...(options.baseRef && { baseRef: options.baseRef }),
    env: options.env,
    outDir: resolve(options.run.out, '..'),
    purpose,
    concurrency: options.run.concurrency,
    sampleOffset,
    ...(options.signal && { signal: options.signal }),
  });
}

async function repoRelative(
  dir: string,
  file: string,
  env: Record<string, string | undefined>,
): Promise<string> {
  const top = await runGit(dir, ['rev-parse', '--show-toplevel'], { env });
  // Not a repository: the rerun store reports that itself.
  const root = top.code === 0 ? top.stdout.toString('utf8').trim() : dir;
  return relative(root, file).split('\\').join('/');
}

function isHttpError(e: unknown): boolean {
  const err = e as { status?: unknown; response?: unknown } | null;
  return typeof err?.status === 'number' && err.response !== undefined;
}

// ---------------------------------------------------------------- the comparison file

/**
 * `evalgate-comparison.json`: the verdict, the comparison and how confirmation and settlement
 * changed it. One shape, written by `run --base` and the Action, read by the Action's report
 * mode, and printed by `evalgate compare --format json` (which has no confirmation or settlement).
 */
export interface ComparisonFile extends Verdict {
  comparison: ComparisonDocument;
  edits?: EditsArm;
  confirmation?: BlockerConfirmation;
  settlement?: Settlement;
  /** What sequential sampling spent, saved, and each case it sampled again. */
  sampling?: SequentialReport;
}

export function comparisonFileOf(
  g: Pick<GatedChange, 'comparison' | 'verdict'> &
    Partial<Pick<GatedChange, 'confirmation' | 'settlement' | 'edits' | 'sampling'>>,
): ComparisonFile {
  return {
    ...g.verdict,
    comparison: g.comparison,
    ...(g.sampling && g.sampling.status !== 'off' && { sampling: g.sampling }),
    ...(g.edits && g.edits.status !== 'not-needed' && { edits: g.edits }),
    ...(g.confirmation && g.confirmation.status !== 'not-needed' && { confirmation: g.confirmation }),
    ...(g.settlement && { settlement: g.settlement }),
  };
}

export function writeComparisonFile(path: string, file: ComparisonFile): void {
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
}
