import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGit } from '../changes/git.js';
import type { ResultsDocument } from '../results/types.js';
import { BaselineStoreError } from './stores/errors.js';

export interface RerunOptions {
  /** Any directory in the repository. */
  repoDir: string;
  /** The revision whose suites, prompts and code make the baseline: the PR's base. */
  baseRef: string;
  /** The config, relative to the repository root. */
  configPath: string;
  suiteIds: readonly string[];
  /**
   * Runs the suites of the project checked out at `projectDir` (the worktree's root) and
   * returns its Results document. Injected, so this module knows nothing of the runner.
   */
  runSuites: (
    projectDir: string,
    options: { configPath: string; suiteIds: readonly string[] },
  ) => Promise<ResultsDocument>;
  env?: Record<string, string | undefined>;
  /** Where the temporary worktree goes; the system's temp folder by default. */
  tmpDir?: string;
}

/**
 * The `rerun` store: measures the base ref's version of the suites now, in a temporary
 * `git worktree`, so both arms run under the same conditions (same day, same provider, same
 * evalgate). The worktree is removed afterwards whatever happens, the run's failure included.
 * Only the requested suites that exist at the base are in the returned document.
 */
export async function rerunBaseline(options: RerunOptions): Promise<ResultsDocument> {
  const git = (args: string[]) => runGit(options.repoDir, args, { ...(options.env && { env: options.env }) });
  const top = await git(['rev-parse', '--show-toplevel']);
  if (top.code !== 0) throw new BaselineStoreError(`${options.repoDir} is not in a git repository`);
  const root = top.stdout.toString('utf8').trim();
  const sha = await git(['rev-parse', '--verify', '-q', `${options.baseRef}^{commit}`]);
  if (sha.code !== 0)
    throw new BaselineStoreError(`cannot rerun the baseline: no commit '${options.baseRef}' here`);
  const commit = sha.stdout.toString('utf8').trim();

  const parent = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'evalgate-rerun-'));
  const worktree = join(parent, 'worktree');
  try {
    const added = await runGit(root, ['worktree', 'add', '--detach', '--quiet', worktree, commit], {
      ...(options.env && { env: options.env }),
    });
    if (added.code !== 0)
      throw new BaselineStoreError(`git worktree add failed: ${added.stderr.trim().split('\n')[0]}`);
    const results = await options.runSuites(worktree, {
      configPath: join(worktree, options.configPath),
      suiteIds: options.suiteIds,
    });
    const wanted = new Set(options.suiteIds);
    return { ...results, suites: results.suites.filter((s) => wanted.has(s.id)) };
  } finally {
    // Best effort, and never masking the run's own error: remove the worktree, its folder,
    // then let git forget a worktree whose folder is already gone.
    await runGit(root, ['worktree', 'remove', '--force', worktree], {
      ...(options.env && { env: options.env }),
    }).catch(() => undefined);
    await rm(parent, { recursive: true, force: true }).catch(() => undefined);
    await runGit(root, ['worktree', 'prune'], { ...(options.env && { env: options.env }) }).catch(
      () => undefined,
    );
  }
}
