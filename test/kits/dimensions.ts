/**
 * Results documents whose verdicts carry dimensions and whose cases carry workflow tags,
 * for the breakdown, trade-off, gate and report tests. Each case is one sample; each
 * dimension given is one grader verdict (pass or fail).
 */
import type { Dimension } from '../../src/graders/dimensions.js';
import type {
  CaseResult,
  GraderVerdict,
  ResultsDocument,
  SampleResult,
  SuiteResult,
} from '../../src/results/types.js';

export interface DimCase {
  id: string;
  workflow?: string;
  /** One verdict per dimension: true passes. */
  verdicts: Partial<Record<Dimension, boolean>>;
  /** The answer abstained ("I don't know"). */
  abstained?: boolean;
  /** Tool calls the answer made. */
  toolCalls?: number;
}

export interface DimSuite {
  id: string;
  tier?: 'trusted' | 'monitoring';
  cases: DimCase[];
}

const GRADER: Record<Dimension, string> = {
  correctness: 'contains',
  usefulness: 'judge',
  risk: 'pii',
  grounding: 'faithfulness',
};

function sample(c: DimCase): SampleResult {
  const graders: GraderVerdict[] = Object.entries(c.verdicts).map(([d, pass]) => ({
    grader: GRADER[d as Dimension],
    pass,
    score: pass ? 1 : 0,
    reason: pass ? 'ok' : `${d} check failed`,
    dimension: d as Dimension,
  }));
  const passed = graders.every((g) => g.pass);
  return {
    index: 0,
    status: passed ? 'pass' : 'fail',
    output: {
      output: c.abstained ? "I don't know: the documents don't say." : `answer for ${c.id}`,
      ...(c.toolCalls !== undefined && {
        toolCalls: Array.from({ length: c.toolCalls }, (_, i) => ({ name: `tool${i}`, arguments: {} })),
      }),
    },
    graders,
    latencyMs: 100,
    retries: 0,
    cached: false,
    refusal: c.abstained === true,
    ...(c.abstained && { abstained: true }),
  };
}

function caseResult(c: DimCase): CaseResult {
  const s = sample(c);
  return {
    id: c.id,
    blocker: false,
    tags: c.workflow ? { workflow: c.workflow } : {},
    status: s.status,
    hash: `h-${c.id}`,
    samples: [s],
  };
}

function suite(spec: DimSuite): SuiteResult {
  const cases = spec.cases.map(caseResult);
  const passed = cases.filter((c) => c.status === 'pass').length;
  return {
    id: spec.id,
    tier: spec.tier ?? 'trusted',
    kind: 'regression',
    target: 'app',
    file: `suites/${spec.id}.yml`,
    contentHash: `content-${spec.id}`,
    repeat: 1,
    metrics: {
      cases: cases.length,
      samples: cases.length,
      passed,
      failed: cases.length - passed,
      errors: 0,
      passRate: cases.length ? passed / cases.length : null,
      errorRate: 0,
      refusalRate: null,
      graderScores: {},
      latencyMs: null,
      tokens: { prompt: 0, completion: 0, total: 0, cached: 0, perCase: 0 },
      cost: null,
      blockerFailures: [],
    },
    cases,
  };
}

export function dimensionResults(suites: DimSuite[], id = 'run'): ResultsDocument {
  const built = suites.map(suite);
  const sum = (k: 'cases' | 'samples' | 'passed' | 'failed') => built.reduce((n, s) => n + s.metrics[k], 0);
  return {
    schemaVersion: 1,
    run: {
      id,
      startedAt: '2026-01-15T11:59:00.000Z',
      finishedAt: '2026-01-15T12:00:00.000Z',
      evalgateVersion: '0.1.0',
      nodeVersion: 'v22.0.0',
      configPath: 'evalgate.yml',
      configHash: 'cfg',
      components: {},
      targets: { app: { kind: 'openai', model: 'gpt-4o-mini' } },
      options: { concurrency: 4, cache: false },
    },
    summary: {
      suites: built.length,
      cases: sum('cases'),
      samples: sum('samples'),
      passed: sum('passed'),
      failed: sum('failed'),
      errors: 0,
      blockerFailures: [],
      cost: null,
      partial: false,
    },
    suites: built,
  };
}

/**
 * `n` cases of one workflow whose verdict for `dimension` follows `pattern` (P pass, F fail,
 * repeated to length n), every other given dimension passing.
 */
export function workflowCases(
  workflow: string,
  n: number,
  dims: Partial<Record<Dimension, string>>,
  extra: Partial<DimCase> = {},
): DimCase[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${workflow}-${i}`,
    workflow,
    verdicts: Object.fromEntries(
      Object.entries(dims).map(([d, pattern]) => [d, pattern[i % pattern.length] === 'P']),
    ) as Partial<Record<Dimension, boolean>>,
    ...extra,
  }));
}
