import {
  fingerprintExtrasForProject,
  compareInputs,
  loadBaselines,
  openBaselineStore,
  type BaselineSource,
} from '../baseline/index.js';
import type { OctokitLike } from '../baseline/index.js';
import { compare } from '../compare/compare.js';
import type { ComparisonDocument } from '../compare/types.js';
import type { LoadedProject } from '../config/load.js';
import { gate } from '../gate/gate.js';
import type { Verdict } from '../gate/types.js';
import type { ResultsDocument } from '../results/types.js';
import { stageOnePolicy } from './settle.js';

export interface BaselineComparison {
  comparison: ComparisonDocument;
  verdict: Verdict;
  /** Where each suite's baseline came from: the store, a rerun of the base ref, or nowhere. */
  sources: Record<string, BaselineSource>;
}

/**
 * compare + gate against the stored baselines of the suites that ran: what `evalgate run
 * --base` and the Action's pull-request mode both do after the run stage. Suites with no
 * baseline are compared against nothing, so a new blocker case that fails still fails the
 * gate and a trusted suite without a baseline is reported, not silently passed. With
 * `gate.resample` on, the gate runs at α₁ (see settle.ts); settleInconclusive is stage 2.
 */
export async function compareWithBaselines(
  project: LoadedProject,
  current: ResultsDocument,
  options: {
    env: Record<string, string | undefined>;
    github?: { octokit: OctokitLike; owner: string; repo: string };
  },
): Promise<BaselineComparison> {
  const store = openBaselineStore(project.config.baseline, {
    rootDir: project.rootDir,
    env: options.env,
    ...(options.github && { github: options.github }),
  });
  const suiteIds = current.suites.map((s) => s.id);
  const loaded = await loadBaselines({ store, suiteIds });
  const extras = fingerprintExtrasForProject(project);
  const inputs = compareInputs(loaded.baselines, current, extras);
  // With re-sampling on, this comparison is stage 1 of two and may spend only α₁ of α.
  const policy = stageOnePolicy(project.config.gate);
  const comparison = compare(loaded.results, current, {
    thresholds: policy,
    staleAfterDays: policy.baseline.maxAgeDays,
    fingerprintDiffs: inputs.fingerprintDiffs,
    notComparable: inputs.notComparable,
  });
  return { comparison, verdict: gate(comparison, policy), sources: loaded.sources };
}
