import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
 */
export default function setup(): () => void {
  const outer = tmpdir();
  const run = mkdtempSync(join(outer, 'evalgate-vitest-run-'));
  const saved = { TMPDIR: process.env.TMPDIR, TMP: process.env.TMP, TEMP: process.env.TEMP };
  process.env.TMPDIR = run;
  process.env.TMP = run;
  process.env.TEMP = run;
  return () => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    const left = readdirSync(run).sort();
    rmSync(run, { recursive: true, force: true, maxRetries: 3 });
    if (left.length === 0) return;
    // vitest reports an error thrown here but does not fail the run for it: fail it ourselves.
    process.exitCode = 1;
    throw new Error(
      `tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temp folder (every test must remove what it creates): ${left.join(', ')}`,
    );
  };
}
