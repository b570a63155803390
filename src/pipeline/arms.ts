import { readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { rerunBaseline } from '../baseline/rerun.js';
import { runGit } from '../changes/git.js';
import { parseResultsDocument } from '../compare/input.js';
import { loadProject, type LoadedProject, type LoadedSuite } from '../config/load.js';
import { prepareTargets } from '../config/targets.js';
import { caseKey, type FreshCounts } from '../gate/confirm.js';
import type { ResultsDocument } from '../results/types.js';
import { evaluate } from './evaluate.js';

/**
 * Fresh samples of chosen cases, in one of the two arms of a comparison: the change (the
 * working tree) or its base (the base ref, checked out in a temporary worktree). What
 * confirming a failing blocker and settling an inconclusive suite both need.
 *
 * Fresh means: no response cache, no journal to resume, and sample indices starting at
 * `sampleOffset`, so each sample gets a seed of its own that the original run never used.
 */

export interface CaseRef {
  suite: string;
  case: string;
}

export type Arm = 'current' | 'base';

/** Takes `repeat` fresh samples of each case in one arm. Injected in tests. */
export type ArmSampler = (arm: Arm, cases: readonly CaseRef[], repeat: number) => Promise<ResultsDocument>;

export interface FreshSamplingOptions {
  /** The working tree's project: the current arm. */
  project: LoadedProject;
  /** Any directory in the repository. */
  repoDir: string;
  /** The revision the base arm is sampled at; without it the base arm cannot be sampled. */
  baseRef?: string;
  env: Record<string, string | undefined>;
  /** Where the current arm's Results document is written. */
  outDir: string;
  /** Names the Results files, so confirmation and settlement do not overwrite each other. */
  purpose: string;
  concurrency?: number;
  /** First sample index (and so seed) of the fresh samples. */
  sampleOffset: number;
  tmpDir?: string;
  signal?: AbortSignal;
}

/** Copies of the suites holding only the given cases, each to be sampled `repeat` times. */
export function suitesForCases(
  suites: readonly LoadedSuite[],
  cases: readonly CaseRef[],
  repeat: number,
): LoadedSuite[] {
  const wanted = new Map<string, Set<string>>();
  for (const c of cases) wanted.set(c.suite, (wanted.get(c.suite) ?? new Set()).add(c.case));
  return suites.flatMap((s) => {
    const ids = wanted.get(s.id);
    if (!ids) return [];
    const kept = s.cases.filter((c) => ids.has(c.id)).map((c) => ({ ...c, repeat }));
    return kept.length ? [{ ...s, repeat, cases: kept }] : [];
  });
}

/** The sampler the pipeline uses: the runner, uncached, on the working tree or the base's worktree. */
export function freshSampler(options: FreshSamplingOptions): ArmSampler {
  const concurrency = options.concurrency ?? options.project.config.concurrency;
  /** Runs the given suites with `project`'s targets and settings (prompts, models, app code). */
  const sample = async (project: LoadedProject, suites: LoadedSuite[], cwd: string, out: string) => {
    rmSync(`${out}.journal`, { force: true });
    const targets = prepareTargets(project, suites, options.env);
    try {
      const outcome = await evaluate(project, suites, targets, {
        cwd,
        out,
        concurrency,
        cache: false,
        sampleOffset: options.sampleOffset,
        ...(options.signal && { signal: options.signal }),
      });
      if (outcome.summary.partial) throw new Error(`the ${options.purpose} run was interrupted`);
      return parseResultsDocument(readFileSync(outcome.path, 'utf8'), outcome.path);
    } finally {
      for (const t of targets.values()) await t.close?.();
    }
  };

  return async (arm, cases, repeat) => {
    // The change's definitions of the cases in both arms: the arms differ only in the system
    // under test (the base's prompts, models and code), so an edited case is judged as it is now.
    const suites = suitesForCases(options.project.suites, cases, repeat);
    if (arm === 'current')
      return sample(
        options.project,
        suites,
        options.repoDir,
        join(options.outDir, `evalgate-${options.purpose}-current.json`),
      );
    if (!options.baseRef) throw new Error('no base revision to sample');
    const top = await runGit(options.repoDir, ['rev-parse', '--show-toplevel'], { env: options.env });
    if (top.code !== 0) throw new Error(`${options.repoDir} is not in a git repository`);
    const root = top.stdout.toString('utf8').trim();
    return rerunBaseline({
      repoDir: options.repoDir,
      baseRef: options.baseRef,
      configPath: relative(root, options.project.configPath),
      suiteIds: suites.map((s) => s.id),
      env: options.env,
      ...(options.tmpDir && { tmpDir: options.tmpDir }),
      runSuites: (dir, { configPath }) => {
        // The judge's API keys come from the same environment; no cache, as for targets.
        const base = loadProject(configPath, { env: options.env });
        // A suite whose target the base does not have cannot be measured there: its cases
        // are absent from the base arm, as new cases are.
        const targets = new Set(Object.keys(base.config.targets));
        return sample(
          base,
          suites.filter((s) => targets.has(s.target)),
          dir,
          join(dir, `.evalgate-${options.purpose}-base.json`),
        );
      },
    });
  };
}

/** Per case: fresh passes, failures and errors in one arm's Results. */
export function countSamples(doc: ResultsDocument): Map<string, FreshCounts> {
  const counts = new Map<string, FreshCounts>();
  for (const s of doc.suites)
    for (const c of s.cases) {
      const n = { passed: 0, failed: 0, errors: 0 };
      for (const x of c.samples) {
        if (x.status === 'pass') n.passed++;
        else if (x.status === 'fail') n.failed++;
        else n.errors++;
      }
      counts.set(caseKey(s.id, c.id), n);
    }
  return counts;
}
