import { terminalText } from '../report/escape.js';

/**
 * Errors the user can fix. They carry where (file, line, column, field path) and what was
 * expected, and the CLI prints them without a stack trace and exits 2.
 */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
  /** Dotted field path inside the file, e.g. `cases[3].graders[0].value`. */
  field?: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly location?: SourceLocation,
  ) {
    super(message);
  }

  /** `file:line:column: field: message`, the format editors and CI logs turn into links. */
  format(cwd = process.cwd()): string {
    const loc = this.location;
    if (!loc) return message(this.message);
    const file = relativeTo(cwd, loc.file);
    const pos = loc.line ? `${file}:${loc.line}${loc.column ? `:${loc.column}` : ''}` : file;
    return `${pos}: ${loc.field ? `${loc.field}: ` : ''}${this.message}`;
  }
}

/** Several config errors found in one pass: the user sees all of them, not one per run. */
export class ConfigErrors extends Error {
  override readonly name = 'ConfigErrors';
  constructor(
    readonly errors: ConfigError[],
    /** How many were found; more than `errors.length` when the loader stopped keeping them. */
    readonly total = errors.length,
  ) {
    super(errors.map((e) => e.format()).join('\n'));
  }
}

/** Errors from several checks of one project, as one error to throw (undefined when there are none). */
export function combineConfigErrors(
  ...found: (ConfigError | ConfigErrors | undefined)[]
): ConfigError | ConfigErrors | undefined {
  const errors: ConfigError[] = [];
  let total = 0;
  for (const e of found) {
    if (e instanceof ConfigErrors) {
      errors.push(...e.errors);
      total += e.total;
    } else if (e) {
      errors.push(e);
      total++;
    }
  }
  if (total === 0) return undefined;
  return total === 1 ? errors[0]! : new ConfigErrors(errors, total);
}

/** How many errors a report shows unless asked for all (`--all-errors`). */
export const SHOWN_ERRORS = 25;

/**
 * A config error, or several, as the lines a person reads: a count, then one located line
 * each, the first `limit` of them and `… and N more` after. Untrusted text in them (a
 * corrupt file's bytes quoted by a parser) is made safe for a terminal and the Actions log.
 */
export function formatConfigErrors(
  e: ConfigError | ConfigErrors,
  cwd = process.cwd(),
  limit: number = SHOWN_ERRORS,
): string {
  if (e instanceof ConfigError) return `evalgate: config error: ${terminalText(e.format(cwd))}\n`;
  const shown = e.errors.slice(0, limit);
  let out = `evalgate: ${e.total} config errors:\n`;
  for (const err of shown) out += `  ${terminalText(err.format(cwd), { maxLength: 500 })}\n`;
  const more = e.total - shown.length;
  if (more > 0) {
    out +=
      shown.length < e.errors.length
        ? `  … and ${more} more (--all-errors prints every one)\n`
        : `  … and ${more} more (only the first ${e.errors.length} are kept)\n`;
  }
  return out;
}

/** Wrong command-line usage: unknown flag, missing argument. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function formatField(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

function message(m: string): string {
  return m;
}

function relativeTo(cwd: string, file: string): string {
  if (file.startsWith(cwd + '/')) return file.slice(cwd.length + 1);
  return file;
}
