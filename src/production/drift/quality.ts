import type { ProductionRecord } from '../record.js';
import { GRADE_PREFIX, GRADER_NAME } from './config.js';

/**
 * Online graders' verdicts in production records, read generically: a record's `online`
 * object (written by `evalgate grade --out`; schema/record.schema.json) maps a grader's name to its verdict, either a boolean (pass) or an object whose
 * `pass` is a boolean (`{ "pass": false, "score": 0.2 }`). Each becomes the rate feature
 * `grades.<name>`, compared like any rate (χ² with Holm, Cohen's h), against another
 * window's records or against the eval baseline's verdicts of the grader of that name.
 *
 * Anything else under `online` (a verdict that is not a boolean, a name that is not
 * GRADER_NAME) is not a verdict and is left out: an unknown shape is never read as a pass or
 * a fail, and a name that reaches reports, logs and incident markers is a plain name.
 */

// Defined beside the config schema, which checks `production.drift.features` keys with them
// and must import no drift code (drift/config.ts).
export { GRADE_PREFIX, GRADER_NAME };

export function gradesOf(grades: unknown): [string, boolean][] {
  if (typeof grades !== 'object' || grades === null || Array.isArray(grades)) return [];
  const out: [string, boolean][] = [];
  for (const [name, verdict] of Object.entries(grades as Record<string, unknown>)) {
    if (!GRADER_NAME.test(name)) continue;
    const pass =
      typeof verdict === 'boolean'
        ? verdict
        : typeof verdict === 'object' &&
            verdict !== null &&
            typeof (verdict as { pass?: unknown }).pass === 'boolean'
          ? (verdict as { pass: boolean }).pass
          : undefined;
    if (pass !== undefined) out.push([`${GRADE_PREFIX}${name}`, pass]);
  }
  return out;
}

/** The `grades.<name>` features of a production record. */
export const recordGrades = (record: ProductionRecord): [string, boolean][] => gradesOf(record.online);

/** The same from DuckDB's `online` column : the object as JSON text (null when absent). */
export function jsonGrades(text: unknown): [string, boolean][] {
  if (typeof text !== 'string') return [];
  try {
    return gradesOf(JSON.parse(text));
  } catch {
    return [];
  }
}
