import type { Baseline } from '../../baseline/types.js';
import type { LoadedSuite } from '../../config/load.js';
import type { SampleResult } from '../../results/types.js';
import { caseInputText, caseValues } from '../coverage.js';
import { guessLanguage } from '../features.js';
import type { DriftFeatureName } from './config.js';
import { RECORD_FEATURES } from './features.js';
import { GRADE_PREFIX, GRADER_NAME } from './quality.js';
import { Window, type FeatureSpec } from './window.js';

/**
 * A reference window taken from the eval suites and their baseline instead of older
 * production records: does production look like what the team tests?
 *
 * One row per case of the project's regression suites (safety suites are left out: their
 * adversarial inputs and expected refusals are not meant to look like traffic, and would
 * alarm on refusal rate by design). Its features:
 *
 * - inputs, from the case as the suite defines it: input length and language of the case's
 *   input text (`vars.input`, else the first of `question`, `query`, `prompt`, `message`
 *   that is a string), measured as records measure them (code points, the same language
 *   guesser); its route (the `route` tag, else `workflow`, else `vars.route`, as coverage);
 * - outputs and quality, from the case's first sample in the suite's saved baseline (one
 *   observation per case: a case's repeated samples are not independent draws of traffic):
 *   output length and language only where the baseline kept the output text (privacy `raw`
 *   or `redacted`; `hash` keeps none, and the report says so); tool-call count, refusal,
 *   error and error kind, tokens, cost (not of a sample served from the response cache);
 *   and each grader's verdict as `grades.<grader>`, compared with the online graders' of the
 *   same name in the records.
 *
 * What an eval run cannot measure (a user's feedback, a production guard's safety events or
 * blocked tools, latency under production load) is not compared, and listed with the reason.
 */

type Row = Partial<Record<DriftFeatureName, number | string | boolean>> & { grades: [string, boolean][] };

export interface NotCompared {
  feature: string;
  reason: string;
}

export interface BaselineReferenceInfo {
  source: 'baseline';
  /** The regression suites the cases came from. */
  suites: string[];
  cases: number;
  /** The saved baselines read, with their privacy setting. */
  baselines: { suite: string; privacy: Baseline['privacy']; recordedAt: string; commit?: string }[];
  notCompared: NotCompared[];
}

export interface BaselineReference {
  window: Window<Row>;
  /** The static features the reference has: compare only these (grades are chosen later). */
  specs: FeatureSpec<Row>[];
  info: BaselineReferenceInfo;
}

const NEVER_IN_EVALS: Partial<Record<DriftFeatureName, string>> = {
  toolBlockedRate: 'an eval run has no production guard that blocks tools',
  safetyEventRate: 'an eval run has no production guard that records safety events',
  latencyMs: "eval latency is measured under the runner's concurrency and response cache, not production's",
  feedbackRate: 'an eval run has no user feedback',
  negativeFeedbackRate: 'an eval run has no user feedback',
  editRatio: 'an eval run has no accepted answers to measure edits against',
};

export function baselineReference(
  suites: readonly LoadedSuite[],
  baselines: ReadonlyMap<string, Baseline>,
): BaselineReference {
  const regression = suites.filter((s) => s.kind === 'regression');
  const used = regression.map((s) => baselines.get(s.id)).filter((b): b is Baseline => b !== undefined);
  const notCompared: NotCompared[] = [];
  const skip = new Set<string>();
  for (const [feature, reason] of Object.entries(NEVER_IN_EVALS)) {
    notCompared.push({ feature, reason });
    skip.add(feature);
  }
  const textKept = used.length > 0 && used.every((b) => b.privacy !== 'hash');
  if (!textKept) {
    const reason =
      used.length === 0
        ? 'no saved baseline of the regression suites (none saved yet, or a `rerun` store, which keeps none): only the cases’ inputs are compared'
        : `the baseline of ${used
            .filter((b) => b.privacy === 'hash')
            .map((b) => b.suite)
            .join(', ')} keeps outputs as hashes (privacy: hash), so output text features are not compared`;
    for (const feature of ['outputChars', 'outputLanguage']) {
      notCompared.push({ feature, reason });
      skip.add(feature);
    }
  }
  if (used.length === 0)
    for (const feature of [
      'toolCalls',
      'refusalRate',
      'errorRate',
      'errorKind',
      'inputTokens',
      'outputTokens',
      'costUsd',
    ]) {
      notCompared.push({
        feature,
        reason: 'no saved baseline of the regression suites: nothing measured the outputs',
      });
      skip.add(feature);
    }
  const specs: FeatureSpec<Row>[] = RECORD_FEATURES.filter((f) => !skip.has(f.name)).map((f) => ({
    name: f.name,
    kind: f.kind,
    get: (row: Row) => row[f.name],
  }));
  const window = new Window<Row>(specs, (row) => row.grades);
  let cases = 0;
  for (const suite of regression) {
    const baseline = baselines.get(suite.id);
    const results = new Map(baseline?.result.cases.map((c) => [c.id, c]));
    for (const c of suite.cases) {
      cases++;
      const row: Row = { grades: [] };
      const text = caseInputText(c.vars);
      const values = caseValues(c);
      if (text !== undefined) {
        row.inputChars = Array.from(text).length;
        row.inputLanguage = guessLanguage(text);
      }
      if (values.route[0] !== undefined) row.route = values.route[0];
      const sample = firstSample(results.get(c.id)?.samples);
      if (sample && baseline) addSample(row, sample, baseline.privacy !== 'hash');
      window.add(row);
    }
  }
  return {
    window,
    specs,
    info: {
      source: 'baseline',
      suites: regression.map((s) => s.id),
      cases,
      baselines: used.map((b) => ({
        suite: b.suite,
        privacy: b.privacy,
        recordedAt: b.fingerprint.recordedAt,
        ...(b.fingerprint.commit && { commit: b.fingerprint.commit }),
      })),
      notCompared,
    },
  };
}

function firstSample(samples: readonly SampleResult[] | undefined): SampleResult | undefined {
  if (!samples?.length) return undefined;
  return samples.reduce((a, b) => (b.index < a.index ? b : a));
}

function addSample(row: Row, s: SampleResult, textKept: boolean): void {
  const output = s.output?.output;
  if (textKept && typeof output === 'string') {
    row.outputChars = Array.from(output).length;
    row.outputLanguage = guessLanguage(output);
  }
  row.toolCalls = s.output?.toolCalls?.length ?? 0;
  if (s.refusal !== undefined) row.refusalRate = s.refusal;
  row.errorRate = s.status === 'error';
  if (s.error) row.errorKind = s.error.kind;
  if (s.tokens) {
    row.inputTokens = s.tokens.prompt;
    row.outputTokens = s.tokens.completion;
  }
  if (s.cost !== undefined && !s.cached) row.costUsd = s.cost;
  // Two graders of one name (two unnamed `contains`): the sample passes that name when both do.
  const verdicts = new Map<string, boolean>();
  for (const v of s.graders)
    if (!v.error && !v.excluded && GRADER_NAME.test(v.grader))
      verdicts.set(v.grader, (verdicts.get(v.grader) ?? true) && v.pass);
  for (const [name, pass] of verdicts) row.grades.push([`${GRADE_PREFIX}${name}`, pass]);
}
