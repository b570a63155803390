import type { GradedCase } from '../graders/types.js';
import { guessLanguage } from './features.js';
import type { ProductionRecord } from './record.js';

/**
 * Coverage: production traffic no suite covers. Counts the routes, languages and risk tags
 * of production records, and of the suites' cases, and lists what is frequent in production
 * (at least `minShare` of the records) yet absent or rare (fewer than `minCases` cases) in
 * the suites: the cases to write next.
 *
 * A case's route is its `route` tag (else its `workflow` tag, else `vars.route`); its
 * language is its `language` tag, else `vars.language`, else the language guessed from
 * `vars.input` with the same guesser the records use; its risk tags are its `risk` tag.
 */

export const COVERAGE_DIMENSIONS = ['route', 'language', 'risk'] as const;
export type CoverageDimension = (typeof COVERAGE_DIMENSIONS)[number];

export interface CoverageGap {
  dimension: CoverageDimension;
  value: string;
  /** Records with this value in the production window, and their share of it. */
  records: number;
  share: number;
  /** Suite cases with this value. */
  cases: number;
}

export interface CoverageReport {
  records: number;
  cases: number;
  minShare: number;
  minCases: number;
  gaps: CoverageGap[];
}

type Counts = Record<CoverageDimension, Map<string, number>>;

const emptyCounts = (): Counts => ({ route: new Map(), language: new Map(), risk: new Map() });
const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/** Counts production records a record at a time, so it rides the drift pass. */
export class CoverageCounter {
  records = 0;
  private readonly counts = emptyCounts();

  add(record: ProductionRecord): void {
    this.records++;
    if (record.route !== undefined) bump(this.counts.route, record.route);
    if (record.input?.language !== undefined) bump(this.counts.language, record.input.language);
    for (const tag of new Set(record.riskTags ?? [])) bump(this.counts.risk, tag);
  }

  report(cases: readonly GradedCase[], options: { minShare: number; minCases: number }): CoverageReport {
    const covered = emptyCounts();
    for (const c of cases) {
      const values = caseValues(c);
      for (const d of COVERAGE_DIMENSIONS) for (const v of new Set(values[d])) bump(covered[d], v);
    }
    const gaps: CoverageGap[] = [];
    for (const d of COVERAGE_DIMENSIONS)
      for (const [value, records] of this.counts[d]) {
        const share = this.records ? records / this.records : 0;
        const n = covered[d].get(value) ?? 0;
        if (share >= options.minShare && n < options.minCases)
          gaps.push({ dimension: d, value, records, share, cases: n });
      }
    gaps.sort(
      (a, b) =>
        b.records - a.records || a.dimension.localeCompare(b.dimension) || a.value.localeCompare(b.value),
    );
    return { records: this.records, cases: cases.length, ...options, gaps };
  }
}

const INPUT_VARS = ['input', 'question', 'query', 'prompt', 'message'];

/** The case's input text (`vars.input`, else the first of question, query, prompt, message), or undefined. */
export function caseInputText(vars: Record<string, unknown>): string | undefined {
  for (const name of INPUT_VARS) if (typeof vars[name] === 'string') return vars[name];
  return undefined;
}

/** A case's route, language and risk tags, as coverage (and drift's baseline reference) read them. */
export function caseValues(c: GradedCase): Record<CoverageDimension, string[]> {
  const tag = (name: string): string[] => {
    const v = c.tags[name];
    return v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String);
  };
  const str = (v: unknown): string[] => (typeof v === 'string' && v ? [v] : []);
  const route = tag('route').length
    ? tag('route')
    : tag('workflow').length
      ? tag('workflow')
      : str(c.vars.route);
  let language = tag('language').length ? tag('language') : str(c.vars.language);
  const input = caseInputText(c.vars);
  if (!language.length && input !== undefined) {
    const guessed = guessLanguage(input);
    if (guessed !== 'und') language = [guessed];
  }
  return { route, language, risk: tag('risk') };
}
