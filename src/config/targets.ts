import { createTarget } from '../targets/index.js';
import type { CaseInput, Target } from '../targets/types.js';
import { readFileSync } from 'node:fs';
import { ConfigError, ConfigErrors } from './errors.js';
import { locateInJsonLine } from './jsonl.js';
import type { LoadedProject, LoadedSuite } from './load.js';

/**
 * Builds the targets the given suites use, then renders the request of every case once, so
 * a missing prompt file, environment variable or template variable is a config error before
 * any model is called, not an error sample halfway through a paid run.
 */
export function prepareTargets(
  project: LoadedProject,
  suites: LoadedSuite[],
  env: Record<string, string | undefined>,
): Map<string, Target> {
  const targets = new Map<string, Target>();
  const errors: ConfigError[] = [];
  const lineOf = lineReader();
  for (const name of new Set(suites.map((s) => s.target))) {
    const spec = project.config.targets[name]!;
    try {
      targets.set(
        name,
        createTarget(name, spec, {
          rootDir: project.rootDir,
          env,
          fail: (field, message) => project.document.error(field, message),
        }),
      );
    } catch (e) {
      if (e instanceof ConfigError) errors.push(withColumn(e, lineOf));
      else if (e instanceof ConfigErrors) errors.push(...e.errors.map((x) => withColumn(x, lineOf)));
      else throw e;
    }
  }
  if (errors.length === 0) {
    for (const suite of suites) {
      const target = targets.get(suite.target)!;
      for (const c of suite.cases) {
        try {
          target.prepare(caseInput(suite, c, 0));
        } catch (e) {
          const err = e instanceof ConfigError ? e : new ConfigError((e as Error).message);
          // In the template when the error is there (a bad partial); else at the case's vars,
          // which is what to fix for a missing variable.
          const at = err.location?.line ? err.location : caseVarsLocation(c.location, lineOf);
          errors.push(withColumn(new ConfigError(`case '${c.id}': ${err.message}`, at), lineOf));
        }
      }
    }
  }
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new ConfigErrors(errors);
  return targets;
}

/** What a target's `prepare` is given for a case's sample: the case as the target sees it. */
export function caseInput(suite: LoadedSuite, c: LoadedSuite['cases'][number], sample: number): CaseInput {
  return {
    suite: suite.id,
    caseId: c.id,
    vars: c.vars,
    ...(c.expected !== undefined && { expected: c.expected }),
    ...(c.reference !== undefined && { reference: c.reference }),
    ...(c.context !== undefined && { context: c.context }),
    tags: c.tags,
    sample,
  };
}

/**
 * Errors from templates and prompt files know their line but not always the column: the
 * column of what the message quotes (`partial not found: base.md`) on that line, else of its
 * first non-blank character, so every error reads `file:line:col`.
 */
function withColumn(e: ConfigError, lineOf: LineReader): ConfigError {
  const loc = e.location;
  if (!loc?.line || loc.column) return e;
  const text = lineOf(loc.file, loc.line);
  if (text === undefined) return e;
  const quoted = /: (\S+)$/.exec(e.message)?.[1];
  const found = quoted ? text.indexOf(quoted) : -1;
  const column = found >= 0 ? found + 1 : text.length - text.trimStart().length + 1;
  return new ConfigError(e.message, { ...loc, column });
}

/** A case's `vars`: in a JSONL line, the field itself; in a YAML suite, the case's first field. */
function caseVarsLocation(
  at: { file: string; line: number },
  lineOf: LineReader,
): { file: string; line: number; column?: number } {
  const text = lineOf(at.file, at.line);
  if (text === undefined) return at;
  if (at.file.endsWith('.jsonl')) return { ...at, column: locateInJsonLine(text, ['vars']) };
  const item = /^(\s*-?\s*)/.exec(text)![1]!;
  return { ...at, column: item.length + 1 };
}

type LineReader = (file: string, line: number) => string | undefined;

/** Reads lines of files, each file once: only ever on the way to reporting errors. */
function lineReader(): LineReader {
  const files = new Map<string, string[] | null>();
  return (file, line) => {
    let lines = files.get(file);
    if (lines === undefined) {
      try {
        lines = readFileSync(file, 'utf8').split(/\r?\n/);
      } catch {
        lines = null;
      }
      files.set(file, lines);
    }
    return lines?.[line - 1];
  };
}
