import type { ResultsDocument } from '../results/types.js';
import { baselinesToResults, createBaselines } from './document.js';
import type { FingerprintExtras } from './fingerprint.js';
import { rerunBaseline, type RerunOptions } from './rerun.js';
import type { BaselineConfig, PrivacyMode } from './schema.js';
import { GitBranchStore } from './stores/git-branch.js';
import { GitHubBranchStore, type OctokitLike } from './stores/github.js';
import { PathStore } from './stores/path.js';
import type { Baseline, BaselineStore, SaveResult } from './types.js';

export {
  BaselineConfigSchema,
  type BaselineConfig,
  type BaselineStoreKind,
  type PrivacyMode,
} from './schema.js';
export {
  BASELINE_HISTORY_MAX,
  BASELINE_SCHEMA_VERSION,
  type Baseline,
  type BaselineHistoryEntry,
  type BaselineListing,
  type BaselineStore,
  type Fingerprint,
  type SaveResult,
} from './types.js';
export {
  BaselineError,
  baselineFileName,
  baselineHistory,
  baselinesToResults,
  createBaselines,
  parseBaseline,
  serializeBaseline,
  type CreateBaselineOptions,
} from './document.js';
export {
  compareInputs,
  describeStaleness,
  fingerprintDiff,
  fingerprintSuite,
  formatAge,
  type FingerprintDiff,
  type FingerprintExtras,
  type Staleness,
} from './fingerprint.js';
export { fingerprintExtrasForProject, graderSpecHash, judgeOf } from './extras.js';
export { applyPrivacy, hashText, redactText } from './privacy.js';
export { rerunBaseline, type RerunOptions } from './rerun.js';
export { BaselineStoreError } from './stores/errors.js';
export { GitBranchStore, type GitBranchStoreOptions } from './stores/git-branch.js';
export { GitHubBranchStore, type GitHubBranchStoreOptions, type OctokitLike } from './stores/github.js';
export { PathStore, type PathStoreOptions } from './stores/path.js';

export interface OpenStoreContext {
  /** The project root (the config's folder): `path` is relative to it, git is run in it. */
  rootDir: string;
  env?: Record<string, string | undefined>;
  /** Use the GitHub API for `git-branch` instead of local git (the Action). */
  github?: { octokit: OctokitLike; owner: string; repo: string };
}

/**
 * The store the config asks for; null for `rerun`, which keeps nothing (see `loadBaselines`).
 */
export function openBaselineStore(config: BaselineConfig, ctx: OpenStoreContext): BaselineStore | null {
  switch (config.store) {
    case 'path':
      return new PathStore({ dir: config.path, rootDir: ctx.rootDir });
    case 'git-branch':
      return ctx.github
        ? new GitHubBranchStore({ ...ctx.github, branch: config.branch })
        : new GitBranchStore({
            repoDir: ctx.rootDir,
            branch: config.branch,
            ...(config.remote && { remote: config.remote }),
            ...(ctx.env && { env: ctx.env }),
          });
    case 'rerun':
      return null;
  }
}

export type BaselineSource = 'store' | 'rerun' | 'missing';

export interface LoadBaselinesOptions {
  /** null for the `rerun` store. */
  store: BaselineStore | null;
  suiteIds: readonly string[];
  /**
   * How to measure the base ref now. Given: suites the store lacks are rerun (or all of them
   * with `always`). Not given: they are reported `missing`.
   */
  rerun?: Omit<RerunOptions, 'suiteIds'> & { always?: boolean };
}

export interface LoadedBaselines {
  baselines: Map<string, Baseline>;
  /** Where each requested suite's baseline came from. */
  sources: Record<string, BaselineSource>;
  /** The baselines as one Results document: `compare(results, current, compareInputs(...))`. */
  results: ResultsDocument;
}

/**
 * Baselines for the suites a run measured: from the store, then by rerunning the base ref
 * for those it lacks (or for all, to measure both arms under identical conditions).
 */
export async function loadBaselines(options: LoadBaselinesOptions): Promise<LoadedBaselines> {
  const { store, suiteIds, rerun } = options;
  const baselines = store && !rerun?.always ? await store.load(suiteIds) : new Map<string, Baseline>();
  const sources: Record<string, BaselineSource> = {};
  for (const id of suiteIds) sources[id] = baselines.has(id) ? 'store' : 'missing';
  const missing = suiteIds.filter((id) => !baselines.has(id));
  if (rerun && missing.length) {
    const results = await rerunBaseline({ ...rerun, suiteIds: missing });
    // Measured just now and never stored: nothing to protect, so outputs stay as they are.
    for (const b of createBaselines(results, { privacy: 'raw' })) {
      baselines.set(b.suite, b);
      sources[b.suite] = 'rerun';
    }
  }
  return { baselines, sources, results: baselinesToResults(baselines.values()) };
}

export interface SaveBaselinesOptions {
  store: BaselineStore;
  /** A finished run on the default branch. */
  results: ResultsDocument;
  privacy: PrivacyMode;
  /** From `fingerprintExtrasForProject(project)`. */
  extras?: Record<string, FingerprintExtras>;
  /** Only these suites; all in the document when left out. */
  suiteIds?: readonly string[];
  message?: string;
  /**
   * The baselines being replaced, whose pass-rate history is carried forward; read from the
   * store when left out. One that cannot be read starts its history afresh (it is replaced).
   */
  previous?: ReadonlyMap<string, Baseline>;
}

/**
 * Splits a default-branch Results document into per-suite baselines and stores them in one
 * commit, each carrying the pass-rate history of the baseline it replaces.
 */
export async function saveBaselines(
  options: SaveBaselinesOptions,
): Promise<SaveResult & { baselines: Baseline[] }> {
  const wanted = options.suiteIds ? new Set(options.suiteIds) : undefined;
  const ids = options.results.suites.map((s) => s.id).filter((id) => !wanted || wanted.has(id));
  const previous =
    options.previous ?? (await options.store.load(ids).catch(() => new Map<string, Baseline>()));
  const baselines = createBaselines(options.results, {
    privacy: options.privacy,
    ...(options.extras && { extras: options.extras }),
    previous,
  }).filter((b) => !wanted || wanted.has(b.suite));
  const sha = options.results.run.gitSha;
  const message =
    options.message ??
    `evalgate: baselines for ${baselines.map((b) => b.suite).join(', ') || 'no suite'}${sha ? ` at ${sha.slice(0, 12)}` : ''}`;
  const saved = await options.store.save(baselines, { message });
  return { ...saved, baselines };
}
