import { ResultsInputError } from '../compare/input.js';
import { ConfigError, ConfigErrors, formatConfigErrors, UsageError } from '../config/errors.js';
import { terminalText } from '../report/escape.js';
import type { CliIO } from './types.js';

/**
 * Prints an error the way a user should read it and returns the exit code (2). Every message
 * passes through terminalText: it may quote a user's file or a model's output.
 */
export function reportError(e: unknown, io: CliIO, options: { allErrors?: boolean } = {}): number {
  if (e instanceof ConfigErrors || e instanceof ConfigError) {
    io.stderr(formatConfigErrors(e, io.cwd, options.allErrors ? Infinity : undefined));
    return 2;
  }
  if (e instanceof ResultsInputError) {
    // The message may quote the corrupt file's bytes (JSON.parse does): never raw.
    io.stderr(`evalgate: ${terminalText(e.message)}\n`);
    return 2;
  }
  if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    io.stderr(`evalgate: ${terminalText((e as Error).message)}\n`);
    return 2;
  }
  const err = e as Error;
  io.stderr(`evalgate: internal error: ${terminalText(err?.message ?? String(e))}\n`);
  if (io.env.EVALGATE_DEBUG) io.stderr(`${terminalText(err?.stack ?? '', { maxLength: 20_000 })}\n`);
  else io.stderr('Set EVALGATE_DEBUG=1 for the stack trace, and please report it.\n');
  return 2;
}
