import { canonicalJson } from '../util/hash.js';

/**
 * How a tool call's arguments differ from the expected ones, one entry per differing argument
 * (by dotted path), so a grader can say "issue_refund called with the wrong arguments:
 * amount: expected 30, got 300" instead of reporting the call as missing.
 *
 * The comparison mirrors the graders':
 * - `subset`  (trajectory's default): every expected key is present, objects recursively;
 *             arrays and scalars compare whole; extra actual keys are fine.
 * - `exact`   (trajectory `match: exact`): equal as JSON, key order aside, so an extra actual
 *             key is a difference too.
 * - `shallow` (the `tool-calls` grader): each expected top-level argument equals the actual
 *             one as a whole; extra actual arguments are fine.
 *
 * Values come from the model, so each is shown as JSON (control characters, quotes and new
 * lines escaped, never raw) and cut to `MAX_VALUE` characters; keys that are not plain names
 * are JSON-quoted too. Renderers still pass the reason through the terminal and markdown
 * escapers; this only keeps one argument from flooding or breaking the line.
 */
export type ArgumentMatch = 'subset' | 'exact' | 'shallow';

const MAX_VALUE = 60;
const MAX_DIFFERENCES = 3;

export function argumentDifferences(
  want: Record<string, unknown>,
  got: unknown,
  match: ArgumentMatch,
): string[] {
  if (!isPlainObject(got)) {
    // As the graders read it: `tool-calls` takes non-object arguments as none, `exact` takes
    // absent ones as {}, and `subset` wants an object.
    if (match === 'shallow') got = {};
    else if (match === 'exact' && got === undefined) got = {};
    else return [`arguments: expected an object, got ${show(got)}`];
  }
  const out: string[] = [];
  diff(want, got as Record<string, unknown>, '', match, out, 0);
  return out;
}

/** One line: the first few differences, and how many more there are. */
export function describeArgumentDifferences(differences: readonly string[]): string {
  const shown = differences.slice(0, MAX_DIFFERENCES).join(', ');
  const more = differences.length - MAX_DIFFERENCES;
  return more > 0 ? `${shown} and ${more} more` : shown;
}

function diff(
  want: Record<string, unknown>,
  got: Record<string, unknown>,
  prefix: string,
  match: ArgumentMatch,
  out: string[],
  depth: number,
): void {
  for (const [key, w] of Object.entries(want)) {
    const path = `${prefix}${showKey(key)}`;
    if (!(key in got)) {
      out.push(`${path}: expected ${show(w)}, got nothing`);
      continue;
    }
    const g = got[key];
    if (match !== 'shallow' && depth < 16 && isPlainObject(w) && isPlainObject(g)) {
      diff(w, g, `${path}.`, match, out, depth + 1);
    } else if (canonicalJson(w) !== canonicalJson(g)) {
      out.push(`${path}: expected ${show(w)}, got ${show(g)}`);
    }
  }
  if (match === 'exact') {
    for (const key of Object.keys(got)) {
      if (!(key in want)) out.push(`${prefix}${showKey(key)}: not expected, got ${show(got[key])}`);
    }
  }
}

function showKey(key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  const chars = Array.from(text);
  return chars.length > MAX_VALUE ? `${chars.slice(0, MAX_VALUE - 1).join('')}…` : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}
