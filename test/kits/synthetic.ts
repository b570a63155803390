/**
 * Synthetic Results documents for tests and simulations: each case has a true pass
 * probability, each sample is a seeded coin flip. Shared by the compare and gate tests,
 * the gate's simulations (gate-simulation.ts) and the report's golden files.
 */
import type {
  CaseResult,
  GraderVerdict,
  ResultsDocument,
  SampleResult,
  SuiteMetrics,
  SuiteResult,
} from '../../src/results/types.js';
import { mean, quantile } from '../../src/compare/stats/descriptive.js';
import type { Rng } from '../../src/compare/stats/rng.js';

export interface SyntheticCase {
  id: string;
  /** Probability that an answered sample passes. */
  pass: number;
  /** Probability that a sample errors (timeout) instead of being answered. */
  error?: number;
  /** Probability that an answered sample is a refusal; leave out for no refusal readings. */
  refusal?: number;
  blocker?: boolean;
  /** Mean of a continuous judge score in [0, 1] (uniform noise ±0.1); leave out for no judge. */
  judge?: number;
  latencyMs?: number;
  tokens?: number;
  /** USD per sample. */
  cost?: number;
  /** The failing grader's reason. */
  failReason?: string;
  /** The output text of a failing sample. */
  output?: string;
  /** The case's content hash (CaseResult.hash); leave out for a document without per-case hashes. */
  hash?: string;
}

export interface SyntheticSuite {
  id: string;
  tier?: 'trusted' | 'monitoring';
  kind?: 'regression' | 'safety';
  target?: string;
  contentHash?: string;
  repeat?: number;
  cases: SyntheticCase[];
}

export interface SyntheticRun {
  id?: string;
  finishedAt?: string;
  gitSha?: string;
  model?: string;
  evalgateVersion?: string;
  configHash?: string;
  components?: Record<string, { kind: string; version: string }>;
  partial?: boolean;
  suites: SyntheticSuite[];
}

export function syntheticResults(run: SyntheticRun, rng: Rng): ResultsDocument {
  const finishedAt = run.finishedAt ?? '2026-01-15T12:00:00.000Z';
  const suites = run.suites.map((s) => syntheticSuite(s, rng));
  const sum = (pick: (m: SuiteMetrics) => number) => suites.reduce((n, s) => n + pick(s.metrics), 0);
  const priced = suites.filter((s) => s.metrics.cost !== null);
  return {
    schemaVersion: 1,
    run: {
      id: run.id ?? 'run-1',
      ...(run.gitSha ? { gitSha: run.gitSha } : {}),
      startedAt: new Date(Date.parse(finishedAt) - 60_000).toISOString(),
      finishedAt,
      evalgateVersion: run.evalgateVersion ?? '0.1.0',
      nodeVersion: 'v20.19.0',
      configPath: 'evalgate.yml',
      configHash: run.configHash ?? 'cfg0000000000000',
      components: run.components ?? {},
      targets: { app: { kind: 'openai', model: run.model ?? 'gpt-4o-mini' } },
      options: { concurrency: 8, cache: false },
    },
    summary: {
      suites: suites.length,
      cases: sum((m) => m.cases),
      samples: sum((m) => m.samples),
      passed: sum((m) => m.passed),
      failed: sum((m) => m.failed),
      errors: sum((m) => m.errors),
      blockerFailures: suites.flatMap((s) =>
        s.metrics.blockerFailures.map((c) => ({ suite: s.id, case: c })),
      ),
      cost: priced.length ? priced.reduce((n, s) => n + s.metrics.cost!.total, 0) : null,
      partial: run.partial ?? false,
    },
    suites,
  };
}

function syntheticSuite(spec: SyntheticSuite, rng: Rng): SuiteResult {
  const repeat = spec.repeat ?? 1;
  const cases = spec.cases.map((c) => syntheticCase(c, repeat, rng));
  return {
    id: spec.id,
    tier: spec.tier ?? 'trusted',
    kind: spec.kind ?? 'regression',
    target: spec.target ?? 'app',
    file: `suites/${spec.id}.yml`,
    contentHash: spec.contentHash ?? `content-${spec.id}`,
    repeat,
    metrics: suiteMetrics(cases),
    cases,
  };
}

function syntheticCase(spec: SyntheticCase, repeat: number, rng: Rng): CaseResult {
  // Verdicts and outputs are shared between samples: thousands of simulated runs should
  // cost little, and nothing downstream mutates them.
  const passVerdict: GraderVerdict = {
    grader: 'expected',
    pass: true,
    score: 1,
    reason: 'matched the expected answer',
  };
  const failVerdict: GraderVerdict = {
    grader: 'expected',
    pass: false,
    score: 0,
    reason: spec.failReason ?? 'expected the answer, got something else',
  };
  const passOutput = { output: 'the expected answer' };
  const failOutput = { output: spec.output ?? 'a different answer' };
  const tokens =
    spec.tokens !== undefined
      ? {
          prompt: Math.round(spec.tokens * 0.8),
          completion: spec.tokens - Math.round(spec.tokens * 0.8),
          total: spec.tokens,
        }
      : undefined;
  const samples: SampleResult[] = [];
  let graded = 0;
  let failed = 0;
  for (let index = 0; index < repeat; index++) {
    if (spec.error && rng.next() < spec.error) {
      samples.push({
        index,
        status: 'error',
        graders: [],
        retries: 0,
        cached: false,
        error: { kind: 'timeout', message: 'request timed out after 60000 ms' },
        latencyMs: 60_000,
      });
      continue;
    }
    const expected = rng.next() < spec.pass;
    const graders = [expected ? passVerdict : failVerdict];
    let passed = expected;
    if (spec.judge !== undefined) {
      const score = Math.round(Math.min(1, Math.max(0, spec.judge + (rng.next() - 0.5) * 0.2)) * 1000) / 1000;
      graders.push({ grader: 'judge', pass: score >= 0.5, score, reason: `judge score ${score.toFixed(2)}` });
      passed &&= score >= 0.5;
    }
    const sample: SampleResult = {
      index,
      status: passed ? 'pass' : 'fail',
      graders,
      retries: 0,
      cached: false,
      output: passed ? passOutput : failOutput,
    };
    if (spec.latencyMs !== undefined)
      sample.latencyMs = Math.round(spec.latencyMs * (0.75 + rng.next() * 0.5));
    if (tokens) sample.tokens = tokens;
    if (spec.cost !== undefined) sample.cost = spec.cost;
    if (spec.refusal !== undefined) sample.refusal = rng.next() < spec.refusal;
    samples.push(sample);
    graded++;
    if (!passed) failed++;
  }
  const status = graded === 0 ? 'error' : failed === 0 ? 'pass' : 'fail';
  return {
    id: spec.id,
    blocker: spec.blocker ?? false,
    tags: {},
    status,
    ...(spec.hash !== undefined && { hash: spec.hash }),
    samples,
  };
}

function suiteMetrics(cases: CaseResult[]): SuiteMetrics {
  let samples = 0;
  let passed = 0;
  let failed = 0;
  let readings = 0;
  let refusals = 0;
  let total = 0;
  let cost = 0;
  let priced = 0;
  const latencies: number[] = [];
  for (const c of cases) {
    for (const s of c.samples) {
      samples++;
      if (s.status === 'pass') passed++;
      else if (s.status === 'fail') failed++;
      total += s.tokens?.total ?? 0;
      if (s.cost !== undefined) {
        cost += s.cost;
        priced++;
      }
      if (s.status === 'error') continue;
      if (s.latencyMs !== undefined) latencies.push(s.latencyMs);
      if (s.refusal !== undefined) {
        readings++;
        if (s.refusal) refusals++;
      }
    }
  }
  const errors = samples - passed - failed;
  return {
    cases: cases.length,
    samples,
    passed,
    failed,
    errors,
    passRate: passed + failed ? passed / (passed + failed) : null,
    errorRate: samples ? errors / samples : 0,
    refusalRate: readings ? refusals / readings : null,
    graderScores: {},
    latencyMs: latencies.length
      ? {
          p50: quantile(latencies, 0.5),
          p95: quantile(latencies, 0.95),
          p99: quantile(latencies, 0.99),
          mean: mean(latencies),
        }
      : null,
    tokens: { prompt: 0, completion: 0, total, cached: 0, perCase: cases.length ? total / cases.length : 0 },
    cost: priced ? { total: cost, perCase: cost / cases.length } : null,
    blockerFailures: cases.filter((c) => c.blocker && c.status !== 'pass').map((c) => c.id),
  };
}

/**
 * Per-case pass probabilities shaped like a real suite: most cases reliably pass (p in
 * [0.97, 1]), some reliably fail (p in [0, 0.05]), and a flaky minority sits near ½
 * (p in [0.3, 0.7]) — the cases that make raw pass rates move between identical runs.
 */
export function realisticPassProbabilities(
  n: number,
  rng: Rng,
  shares = { flaky: 0.15, failing: 0.1 },
): number[] {
  return Array.from({ length: n }, () => {
    const u = rng.next();
    if (u < shares.flaky) return 0.3 + 0.4 * rng.next();
    if (u < shares.flaky + shares.failing) return 0.05 * rng.next();
    return 0.97 + 0.03 * rng.next();
  });
}
