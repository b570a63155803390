import { z } from 'zod';
import { parseResultsDocument, ResultsInputError } from '../compare/input.js';
import { ConfigError, formatField } from '../config/errors.js';
import { RESULTS_SCHEMA_VERSION, type ResultsDocument, type SuiteResult } from '../results/types.js';
import { fingerprintSuite, type FingerprintExtras } from './fingerprint.js';
import { applyPrivacy } from './privacy.js';
import type { PrivacyMode } from './schema.js';
import {
  BASELINE_HISTORY_MAX,
  BASELINE_SCHEMA_VERSION,
  type Baseline,
  type BaselineHistoryEntry,
} from './types.js';

/**
 * A baseline that cannot be trusted: unreadable, truncated, of another schema version, or
 * not what its name says. A ConfigError, so the CLI prints it with the file and exits 2 —
 * a gate must fail on it, never pass.
 */
export class BaselineError extends ConfigError {}

export interface CreateBaselineOptions {
  privacy: PrivacyMode;
  /** Per suite id: grader spec hash and judge, where the caller knows them. */
  extras?: Record<string, FingerprintExtras>;
  /** The baselines these replace, by suite id: their history is carried forward. */
  previous?: ReadonlyMap<string, Baseline>;
}

/**
 * Splits a Results document into one baseline per suite, fingerprinted, privacy applied,
 * each with its pass-rate history: the previous baseline's, with this one added last.
 */
export function createBaselines(results: ResultsDocument, options: CreateBaselineOptions): Baseline[] {
  if (results.summary.partial) {
    throw new BaselineError(
      'the Results document is from an interrupted run (summary.partial): finish the run before saving it as a baseline',
    );
  }
  return results.suites.map((suite) => {
    const baseline: Baseline = {
      schemaVersion: BASELINE_SCHEMA_VERSION,
      suite: suite.id,
      fingerprint: fingerprintSuite(results, suite.id, options.extras?.[suite.id]),
      privacy: options.privacy,
      run: narrowRun(results, suite),
      result: applyPrivacy(suite, options.privacy),
    };
    const before = options.previous?.get(suite.id);
    baseline.history = carryHistory(before ? baselineHistory(before) : [], historyEntry(baseline));
    return baseline;
  });
}

/** A suite's pass-rate history, oldest first, ending with this baseline; one point for a baseline without one. */
export function baselineHistory(baseline: Baseline): BaselineHistoryEntry[] {
  return baseline.history?.length ? baseline.history : [historyEntry(baseline)];
}

function historyEntry(b: Baseline): BaselineHistoryEntry {
  const commit = b.fingerprint.commit ?? b.run.gitSha;
  return {
    ...(commit !== undefined && { commit }),
    recordedAt: b.fingerprint.recordedAt,
    passRate: b.result.metrics.passRate ?? null,
    cases: b.result.metrics.cases,
  };
}

/**
 * The history with `entry` added last, at most BASELINE_HISTORY_MAX points. Saving the same
 * run twice (same commit, same finish time) replaces its point rather than adding a second.
 */
function carryHistory(history: BaselineHistoryEntry[], entry: BaselineHistoryEntry): BaselineHistoryEntry[] {
  const kept = history.filter((h) => !(h.recordedAt === entry.recordedAt && h.commit === entry.commit));
  return [...kept, entry].slice(-BASELINE_HISTORY_MAX);
}

function narrowRun(results: ResultsDocument, suite: SuiteResult): Baseline['run'] {
  const target = results.run.targets[suite.target];
  return { ...results.run, targets: target ? { [suite.target]: target } : {} };
}

/** One file per suite. Suite ids may hold `/` and `:`, so the name is percent-encoded. */
export function baselineFileName(suiteId: string): string {
  return `${encodeURIComponent(suiteId)}.json`;
}

export function suiteIdFromFileName(name: string): string | undefined {
  if (!name.endsWith('.json')) return undefined;
  try {
    return decodeURIComponent(name.slice(0, -'.json'.length));
  } catch {
    return undefined;
  }
}

/** Stable text: two saves of the same results give the same bytes, so git stores one blob. */
export function serializeBaseline(baseline: Baseline): string {
  return `${JSON.stringify(baseline, null, 2)}\n`;
}

const FingerprintSchema = z.looseObject({
  suite: z.looseObject({ id: z.string(), contentHash: z.string(), caseIds: z.array(z.string()) }),
  target: z.looseObject({
    name: z.string(),
    kind: z.string(),
    model: z.string().optional(),
    systemVersion: z.string().optional(),
    components: z.record(z.string(), z.string()),
  }),
  judge: z.looseObject({ model: z.string(), version: z.string().optional() }).optional(),
  graders: z.looseObject({ names: z.array(z.string()), specHash: z.string().optional() }),
  evalgateVersion: z.string(),
  commit: z.string().optional(),
  ref: z.string().optional(),
  recordedAt: z.string(),
});

// The result and run are checked for the fields compare and list rely on, not field by field:
// they were written by evalgate from a Results document that was itself validated.
const BaselineSchema = z.looseObject({
  schemaVersion: z.literal(BASELINE_SCHEMA_VERSION),
  suite: z.string().min(1),
  fingerprint: FingerprintSchema,
  privacy: z.enum(['raw', 'redacted', 'hash']),
  run: z.looseObject({
    id: z.string(),
    startedAt: z.string(),
    finishedAt: z.string(),
    evalgateVersion: z.string(),
    components: z.record(z.string(), z.looseObject({ kind: z.string(), version: z.string() })),
    targets: z.record(z.string(), z.looseObject({ kind: z.string() })),
  }),
  history: z
    .array(
      z.looseObject({
        commit: z.string().optional(),
        recordedAt: z.string(),
        passRate: z.number().min(0).max(1).nullable(),
        cases: z.number().int().min(0),
      }),
    )
    .optional(),
  result: z.looseObject({
    id: z.string(),
    target: z.string(),
    contentHash: z.string(),
    repeat: z.number(),
    metrics: z.looseObject({ cases: z.number(), samples: z.number() }),
    cases: z.array(
      z.looseObject({
        id: z.string(),
        status: z.enum(['pass', 'fail', 'error']),
        samples: z.array(z.unknown()),
      }),
    ),
  }),
});

/**
 * Reads a stored baseline. `file` names it in errors (a path, or `branch:path`); `expectSuite`
 * guards against a file holding another suite's baseline.
 */
export function parseBaseline(text: string, file: string, expectSuite?: string): Baseline {
  const fail = (message: string, field?: string): never => {
    throw new BaselineError(`baseline ${message}`, { file, ...(field !== undefined && { field }) });
  };
  if (text.trim() === '') fail('is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    fail(
      `is not valid JSON (${(e as Error).message}); it may be truncated or corrupt: save the baseline again`,
    );
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail('is not a JSON object');
  const version = (value as { schemaVersion?: unknown }).schemaVersion;
  if (version !== BASELINE_SCHEMA_VERSION) {
    fail(
      version === undefined
        ? `has no schemaVersion: it is not an evalgate baseline`
        : `has schemaVersion ${JSON.stringify(version)}, this evalgate reads ${BASELINE_SCHEMA_VERSION}: ` +
            `save the baseline again with this version`,
      'schemaVersion',
    );
  }
  const parsed = BaselineSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    fail(
      `is malformed: ${issue.message}${parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : ''}`,
      formatField(issue.path as (string | number)[]),
    );
  }
  const baseline = value as Baseline;
  // The result must be something compare can read: check it with compare's own reader.
  try {
    parseResultsDocument(
      JSON.stringify({
        schemaVersion: RESULTS_SCHEMA_VERSION,
        run: baseline.run,
        summary: { partial: false },
        suites: [baseline.result],
      }),
      file,
    );
  } catch (e) {
    if (!(e instanceof ResultsInputError)) throw e;
    fail(
      `is malformed: ${e.problem.replace(/^invalid Results document: /, '').replace(/\bsuites\[0\]/g, 'result')}`,
    );
  }
  if (baseline.result.id !== baseline.suite || baseline.fingerprint.suite.id !== baseline.suite) {
    fail(`says it is suite '${baseline.suite}' but holds results of '${baseline.result.id}'`, 'result.id');
  }
  if (expectSuite !== undefined && baseline.suite !== expectSuite) {
    fail(`holds suite '${baseline.suite}', expected '${expectSuite}'`, 'suite');
  }
  return baseline;
}

/**
 * One Results document from several suites' baselines: what `compare(baseline, current)`
 * takes. Suites keep their own numbers; the run is the most recent baseline's, with every
 * baseline's targets and components, so the document stays self-describing.
 */
export function baselinesToResults(baselines: Iterable<Baseline>): ResultsDocument {
  const list = [...baselines].sort((a, b) => (a.suite < b.suite ? -1 : a.suite > b.suite ? 1 : 0));
  const latest = [...list].sort((a, b) => (a.run.finishedAt < b.run.finishedAt ? 1 : -1))[0];
  const run: ResultsDocument['run'] = latest
    ? { ...latest.run, targets: {}, components: {} }
    : {
        id: 'no-baseline',
        startedAt: new Date(0).toISOString(),
        finishedAt: new Date(0).toISOString(),
        evalgateVersion: 'unknown',
        nodeVersion: 'unknown',
        configPath: '',
        configHash: '',
        components: {},
        targets: {},
        options: { concurrency: 1, cache: false },
      };
  for (const b of list) {
    Object.assign(run.targets, b.run.targets);
    Object.assign(run.components, b.run.components);
  }
  const suites = list.map((b) => b.result);
  const sum = (f: (s: SuiteResult) => number) => suites.reduce((n, s) => n + f(s), 0);
  const costs = suites.map((s) => s.metrics.cost?.total).filter((c): c is number => c !== undefined);
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    run,
    summary: {
      suites: suites.length,
      cases: sum((s) => s.metrics.cases),
      samples: sum((s) => s.metrics.samples),
      passed: sum((s) => s.metrics.passed),
      failed: sum((s) => s.metrics.failed),
      errors: sum((s) => s.metrics.errors),
      blockerFailures: suites.flatMap((s) =>
        s.metrics.blockerFailures.map((c) => ({ suite: s.id, case: c })),
      ),
      cost: costs.length ? costs.reduce((a, b) => a + b, 0) : null,
      partial: false,
    },
    suites,
  };
}
