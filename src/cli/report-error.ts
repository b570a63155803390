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
  const fsError = fileSystemError(e, io.cwd);
  if (fsError) {
    io.stderr(`evalgate: ${terminalText(fsError)}\n`);
    return 2;
  }
  const err = e as Error;
  io.stderr(`evalgate: internal error: ${terminalText(err?.message ?? String(e))}\n`);
  if (io.env.EVALGATE_DEBUG) io.stderr(`${terminalText(err?.stack ?? '', { maxLength: 20_000 })}\n`);
  else io.stderr('Set EVALGATE_DEBUG=1 for the stack trace, and please report it.\n');
  return 2;
}

/** What a missing, unreadable or misplaced file means to the user, in their words. */
const FS_CODES: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
};

/**
 * A file the user named could not be read or written (a wrong path, a folder that does not
 * exist, no permission): their mistake to fix, not evalgate's bug, so it is said plainly
 * with the path, like a config error, and exits 2 with no "please report it".
 */
function fileSystemError(e: unknown, cwd: string): string | undefined {
  const err = e as { code?: unknown; path?: unknown; syscall?: unknown };
  if (typeof err?.code !== 'string' || !(err.code in FS_CODES) || typeof err.path !== 'string')
    return undefined;
  const path = err.path.startsWith(`${cwd}/`) ? err.path.slice(cwd.length + 1) : err.path;
  const doing = err.syscall === 'open' || err.syscall === 'scandir' ? '' : ` (${String(err.syscall)})`;
  return `${path}: ${FS_CODES[err.code]}${doing}`;
}
