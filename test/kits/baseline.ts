import type { CaseResult, ResultsDocument, SampleStatus, SuiteResult } from '../../src/results/types.js';

/** Small, valid Results documents for the baseline tests (not used by evalgate itself). */
export interface FakeSuite {
  id: string;
  target?: string;
  contentHash?: string;
  /** One character per case: P pass, F fail, E error. */
  outcomes?: string;
  outputs?: string[];
}

export function fakeResults(suites: FakeSuite[], run: Partial<ResultsDocument['run']> = {}): ResultsDocument {
  const built = suites.map(fakeSuite);
  return {
    schemaVersion: 1,
    run: {
      id: 'run-1',
      gitSha: 'a'.repeat(40),
      gitRef: 'main',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:01:00.000Z',
      evalgateVersion: '0.1.0',
      nodeVersion: 'v20.19.0',
      configPath: 'evalgate.yml',
      configHash: 'cfg',
      components: {
        prompt: { kind: 'prompt', version: 'p1' },
        model: { kind: 'model', version: 'm1' },
      },
      targets: {
        support: { kind: 'openai', model: 'gpt-4o-mini', systemVersion: 'sys-1' },
        billing: { kind: 'openai', model: 'gpt-4o', systemVersion: 'sys-b' },
      },
      options: { concurrency: 4, cache: true },
      ...run,
    },
    summary: {
      suites: built.length,
      cases: built.reduce((n, s) => n + s.cases.length, 0),
      samples: built.reduce((n, s) => n + s.metrics.samples, 0),
      passed: built.reduce((n, s) => n + s.metrics.passed, 0),
      failed: built.reduce((n, s) => n + s.metrics.failed, 0),
      errors: built.reduce((n, s) => n + s.metrics.errors, 0),
      blockerFailures: [],
      cost: null,
      partial: false,
    },
    suites: built,
  };
}

function fakeSuite(spec: FakeSuite): SuiteResult {
  const outcomes = spec.outcomes ?? 'PPF';
  const cases: CaseResult[] = [...outcomes].map((o, i) => {
    const status: SampleStatus = o === 'P' ? 'pass' : o === 'F' ? 'fail' : 'error';
    const output = spec.outputs?.[i] ?? `answer ${i}`;
    return {
      id: `case-${i + 1}`,
      blocker: false,
      tags: {},
      status,
      samples: [
        {
          index: 0,
          status,
          ...(status !== 'error' && {
            output: { output, contexts: [{ id: 'doc', text: `context for ${output}` }] },
          }),
          graders:
            status === 'error'
              ? []
              : [
                  {
                    grader: 'contains',
                    pass: status === 'pass',
                    score: status === 'pass' ? 1 : 0,
                    reason: `output was '${output}'`,
                  },
                ],
          ...(status === 'error' && { error: { kind: 'http', message: `HTTP 500 for '${output}'` } }),
          latencyMs: 100 + i,
          retries: 0,
          cached: false,
        },
      ],
    };
  });
  const passed = cases.filter((c) => c.status === 'pass').length;
  const failed = cases.filter((c) => c.status === 'fail').length;
  const errors = cases.filter((c) => c.status === 'error').length;
  return {
    id: spec.id,
    tier: 'trusted',
    kind: 'regression',
    target: spec.target ?? 'support',
    file: `suites/${spec.id}.yml`,
    contentHash: spec.contentHash ?? `hash-${spec.id}`,
    repeat: 1,
    metrics: {
      cases: cases.length,
      samples: cases.length,
      passed,
      failed,
      errors,
      passRate: passed + failed ? passed / (passed + failed) : null,
      errorRate: errors / cases.length,
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
