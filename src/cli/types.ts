/** What a CLI command may touch: injected, so commands run in-process in tests. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
  /** stdout is a terminal: progress bar and colour allowed. */
  isTTY: boolean;
}

/** A command: argv after the command name in, exit code out (0 ok, 1 gate/blocker failure, 2 usage/config error). */
export type CommandHandler = (argv: string[], io: CliIO) => Promise<number>;
