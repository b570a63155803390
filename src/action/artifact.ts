import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from './context.js';

/**
 * Where report mode finds the reports of the `pull_request` run, laid out the way
 * actions/download-artifact@v4 lays them out:
 *
 * - with `name:` (or `merge-multiple: true`) the files land directly in the download path;
 * - without `name:` every artifact of the run gets its own folder, named after the artifact
 *   (`<path>/<artifact-name>/evalgate-*.json`), among the run's other artifacts.
 *
 * action.yml uploads `evalgate-<job>-<attempt>`, so a re-run job leaves one folder per
 * attempt: the attempt the `workflow_run` names is taken (else the highest), and the log says
 * so. Folders of different jobs are ambiguous: an error names them.
 */
export interface ReportsLocation {
  dir: string;
  /** Said in the log: which folder was picked, and why. */
  note?: string;
}

export function locateReports(
  root: string,
  names: readonly string[],
  options: { runAttempt?: number } = {},
): ReportsLocation {
  const holds = (dir: string) => names.some((n) => existsSync(join(dir, n)));
  if (holds(root)) return { dir: root };
  let entries: { name: string; isDirectory(): boolean }[] = [];
  try {
    entries = readdirSync(root, { withFileTypes: true });
  } catch {
    // No such directory: reported below as "nothing found".
  }
  const folders = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const found = folders.filter((f) => holds(join(root, f)));
  if (found.length === 0) {
    const seen = folders.length ? ` (its folders: ${list(folders.map((f) => `${f}/`))})` : '';
    throw new InputError(
      `mode: report found no evalgate reports (${names.join(', ')}) in ${root} nor in a folder directly under it${seen}: download the artifact of the \`pull_request\` run first (actions/download-artifact@v4 with \`run-id: \${{ github.event.workflow_run.id }}\`)`,
    );
  }
  if (found.length === 1)
    return { dir: join(root, found[0]!), note: `Reading the reports from the artifact folder ${found[0]}/.` };

  // Several: attempts of one job (`evalgate-<job>-<attempt>`), or not.
  const attempts = found.map((f) => /^(.+)-(\d+)$/.exec(f));
  const stem = attempts[0]?.[1];
  if (attempts.every((m) => m && m[1] === stem)) {
    const byAttempt = new Map(attempts.map((m) => [Number(m![2]), m![0]]));
    const wanted = options.runAttempt !== undefined ? byAttempt.get(options.runAttempt) : undefined;
    const highest = Math.max(...byAttempt.keys());
    const pick = wanted ?? byAttempt.get(highest)!;
    const why =
      wanted !== undefined
        ? `the attempt the workflow run names (${options.runAttempt})`
        : `the highest attempt (${highest})${options.runAttempt !== undefined ? `; the workflow run names attempt ${options.runAttempt}, which left no reports` : ''}`;
    return {
      dir: join(root, pick),
      note: `Found the reports of ${found.length} attempts (${list(found.map((f) => `${f}/`))}): using ${pick}/, ${why}.`,
    };
  }
  throw new InputError(
    `mode: report found evalgate reports in ${found.length} artifact folders that are not attempts of one job: ${list(found.map((f) => `${f}/`))}. Download only the one to publish (download-artifact's \`name:\`, e.g. \`name: ${found[0]}\`)`,
  );
}

function list(items: string[]): string {
  return items.length > 10
    ? `${items.slice(0, 10).join(', ')} and ${items.length - 10} more`
    : items.join(', ');
}
