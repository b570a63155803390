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
  constructor(readonly errors: ConfigError[]) {
    super(errors.map((e) => e.format()).join('\n'));
  }
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
