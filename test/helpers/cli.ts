import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The CLI in-process, as a user's shell would run it in `cwd`: PATH and HOME from this
 * process, `env` on top, no terminal. Returns the exit code and what it printed.
 */
export async function runCli(
  argv: string[],
  cwd: string,
  env: Record<string, string | undefined> = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    isTTY: false,
  });
  return { code, stdout, stderr };
}
