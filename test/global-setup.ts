import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The whole run gets a fresh, empty temp folder: TMPDIR is set here, in the main process,
 * before vitest forks its workers, so `os.tmpdir()` in every worker (and in every git or CLI
 * process a test starts) points into it. After the run the folder must be empty again: a
 * test that leaves a folder, a file or a git worktree behind fails the run, named. The folder
 * is removed either way so nothing piles up between runs.
 *
 * `pool: 'forks'` workers take their environment when they are forked, after this runs; a
 * test that needs a different temp folder for a child process passes TMPDIR itself.
 *
 * The CLI turns on Node's compile cache, which lives in `<tmpdir>/node-compile-cache` by
 * design (a cache kept between runs, not a leak); for the run it goes beside the temp folder,
 * in the run's own folder, so it neither counts as a leftover nor outlives the run.
 */
export default function setup(): () => Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'evalgate-vitest-run-'));
  const run = join(root, 'tmp');
  const compileCache = join(root, 'node-compile-cache');
  mkdirSync(run);
  const keys = ['TMPDIR', 'TMP', 'TEMP', 'NODE_COMPILE_CACHE'] as const;
  const saved = Object.fromEntries(keys.map((key) => [key, process.env[key]]));
  process.env.TMPDIR = run;
  process.env.TMP = run;
  process.env.TEMP = run;
  process.env.NODE_COMPILE_CACHE = compileCache;
  return async () => {
    for (const key of keys) {
      const value = saved[key];
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    const left = readdirSync(run).sort();
    // A child process that is still exiting (a killed server flushing Node's compile cache)
    // can write into the folder while it is being removed: try again until it is gone.
    for (let attempt = 0; existsSync(root) && attempt < 50; attempt++) {
      try {
        rmSync(root, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // ENOTEMPTY while something writes: wait and try again.
      }
      if (existsSync(root)) await new Promise((r) => setTimeout(r, 100));
    }
    if (left.length === 0) return;
    // vitest reports an error thrown here but does not fail the run for it: fail it ourselves.
    process.exitCode = 1;
    throw new Error(
      `tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temp folder (every test must remove what it creates): ${left.join(', ')}`,
    );
  };
}
