import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../config/errors.js';
import type { LoadedCase, LoadedProject, LoadedSuite } from '../../config/load.js';
import { runStage } from '../../pipeline/run-stage.js';
import type { ResultsDocument } from '../../results/types.js';
import type { RunEvent } from '../../runner/run.js';
import { shortHash } from '../../util/hash.js';
import { KeyedHasher } from '../hash.js';
import type { OnlineGrader } from '../online/grade.js';
import type { ProductionPolicy } from '../policy-schema.js';
import { PolicyViolation, toRecord, type ProductionRecord } from '../record.js';
import { createRedactor } from '../redact/index.js';
import { compareShadow, type ShadowPair, type ShadowReport } from './compare.js';
import { sampleRecords, type Located } from './sample.js';

export interface ShadowOptions {
  project: LoadedProject;
  policy: ProductionPolicy;
  graders: OnlineGrader[];
  /** Every record read, with where (file relative to the working directory, line). */
  records: Located[];
  /** The candidate: a target of the config. */
  target: string;
  /** The prompt variable the production input fills. */
  inputVar: string;
  sample: number;
  seed: number;
  alpha: number;
  /** Only records of these system versions (production's own answers to compare with). */
  version?: string;
  env: Record<string, string | undefined>;
  cwd: string;
  concurrency: number;
  cache: boolean;
  /** Where the candidate's Results document is written; default a temp folder, removed after. */
  resultsPath?: string;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
}

/**
 * The shadow run: a policy-permitted sample of production inputs replayed through a
 * candidate target, each answer compared with the one production gave, grader by grader.
 *
 *   1. eligible   records whose input and output text the policy kept (redacted: that is what
 *                 the policy permits to replay), of `version` when given
 *   2. sample     `sample` of them, weighed by 1 / sampleRate so the sample mirrors traffic
 *   3. run        one case per record through the runner (limits, retries, cache as any run)
 *   4. measure    the candidate's answer becomes a record under the same policy, then every
 *                 online grader reads both records (compare.ts)
 *
 * A policy that keeps no input text is a usage error: there is nothing it permits to replay.
 */
export async function runShadow(
  options: ShadowOptions,
): Promise<{ report: ShadowReport; results: ResultsDocument }> {
  const { policy, project } = options;
  if (!policy.retainText)
    throw new UsageError(
      'shadow replays production inputs, and the policy keeps none: production.retainText is false (only hashes and features are recorded)',
    );
  if (!project.config.targets[options.target])
    throw new UsageError(
      `--target '${options.target}' is not a target of the config (${Object.keys(project.config.targets).join(', ')})`,
    );
  const eligible = options.records.filter(
    (r) =>
      typeof r.record.input?.text === 'string' &&
      (options.version === undefined || r.record.versions.system === options.version),
  );
  if (!eligible.length)
    throw new UsageError(
      `no record carries its input text${options.version ? ` for version '${options.version}'` : ''}: nothing to replay`,
    );
  const sample = sampleRecords(eligible, options.sample, options.seed);

  const cases: LoadedCase[] = sample.map((r, i) => ({
    id: `record-${i + 1}`,
    suite: 'shadow',
    vars: { [options.inputVar]: r.record.input!.text! },
    tags: { source: 'production-shadow' },
    blocker: false,
    repeat: 1,
    graders: [],
    location: { file: r.file, line: r.line },
  }));
  const suite: LoadedSuite = {
    id: 'shadow',
    description: `production inputs replayed through ${options.target}`,
    tier: 'monitoring',
    kind: 'regression',
    target: options.target,
    repeat: 1,
    always: false,
    dependsOn: [],
    file: sample[0]!.file,
    datasets: [],
    contentHash: shortHash(
      sample.map((r) => r.record.input!.text),
      16,
    ),
    cases,
  };

  const dir = options.resultsPath ? undefined : mkdtempSync(join(tmpdir(), 'evalgate-shadow-'));
  try {
    const { results } = await runStage({
      project,
      suites: [suite],
      env: options.env,
      run: {
        cwd: options.cwd,
        out: options.resultsPath ?? join(dir!, 'shadow-results.json'),
        concurrency: options.concurrency,
        cache: options.cache,
      },
      ...(options.signal && { signal: options.signal }),
      ...(options.onEvent && { onEvent: options.onEvent }),
    });
    const byId = new Map(results.suites[0]?.cases.map((c) => [c.id, c]) ?? []);
    // The candidate's answers as records: sampled at 1 (they are all kept), hashed with a key
    // of their own (the text hash is never compared), redacted by the production policy.
    const asRecordPolicy: ProductionPolicy = { ...policy, sampling: { rate: 1, byRoute: {}, byRisk: {} } };
    const hasher = new KeyedHasher(`evalgate-shadow-${options.seed}-key`);
    const redactor = createRedactor(policy.redaction);
    const pairs: ShadowPair[] = sample.map((r, i) => {
      const at = `${r.file}:${r.line}`;
      const sampleResult = byId.get(`record-${i + 1}`)?.samples[0];
      if (!sampleResult || sampleResult.error || !sampleResult.output)
        return {
          production: r.record,
          candidate: null,
          candidateError: sampleResult?.error
            ? `${sampleResult.error.kind}: ${sampleResult.error.message}`
            : 'no answer',
          at,
        };
      const out = sampleResult.output;
      let candidate: ProductionRecord | null;
      try {
        candidate = toRecord(
          {
            at: r.record.at,
            ...(r.record.route !== undefined && { route: r.record.route }),
            input: r.record.input!.text!,
            output: out.output,
            ...(out.toolCalls && { toolCalls: out.toolCalls.map((t) => ({ name: t.name })) }),
            ...(sampleResult.latencyMs !== undefined && { latencyMs: sampleResult.latencyMs }),
            ...(sampleResult.tokens && {
              tokens: { input: sampleResult.tokens.prompt, output: sampleResult.tokens.completion },
            }),
            ...(sampleResult.cost !== undefined && { costUsd: sampleResult.cost }),
          },
          asRecordPolicy,
          { system: `candidate:${options.target}` },
          { hasher, redactor, random: () => 0 },
        );
      } catch (e) {
        if (!(e instanceof PolicyViolation)) throw e;
        return { production: r.record, candidate: null, candidateError: e.message, at };
      }
      return { production: r.record, candidate, at };
    });
    const report = compareShadow(pairs, options.graders, {
      target: options.target,
      alpha: options.alpha,
      eligible: eligible.length,
    });
    return { report, results };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
