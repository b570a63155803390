import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { LoadedSuite } from '../config/load.js';
import { dimensionTalliesOf } from '../results/dimension-tally.js';
import type { ResultsDocument, SampleResult } from '../results/types.js';
import { TargetError } from '../targets/types.js';
import { createDiskCache, createMemoryCache } from './cache.js';
import { runEval, type RunEvent, type RunOptions } from './run.js';
import {
  contains,
  fakeTarget,
  grader,
  makeCase,
  makeProject,
  makeSuite,
  reply,
  tempDir,
  verdict,
  VirtualClock,
  type FakeBehaviour,
  type FakeTarget,
} from '../../test/kits/runner.js';

// ajv-formats is CommonJS; its default export arrives wrapped under ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => void;

interface Harness {
  clock: VirtualClock;
  target: FakeTarget;
  events: RunEvent[];
  outFile: string;
  run(
    overrides?: Partial<RunOptions>,
  ): Promise<{ doc: ResultsDocument; outcome: Awaited<ReturnType<typeof runEval>> }>;
}

function harness(
  suites: LoadedSuite[],
  behaviour: (clock: VirtualClock) => FakeBehaviour,
  base: Partial<RunOptions> = {},
): Harness {
  const clock = new VirtualClock(1_700_000_000_000);
  const target = fakeTarget(clock, behaviour(clock));
  const events: RunEvent[] = [];
  const outFile = join(tempDir(), 'evalgate-results.json');
  return {
    clock,
    target,
    events,
    outFile,
    async run(overrides = {}) {
      const outcome = await runEval({
        project: makeProject(),
        suites,
        targets: new Map([['bot', target]]),
        outFile,
        concurrency: 4,
        timeoutMs: 10_000,
        retries: 2,
        cache: null,
        now: clock.now,
        sleep: clock.sleep,
        setTimer: clock.setTimer,
        random: () => 0.5,
        onEvent: (e) => events.push(e),
        ...base,
        ...overrides,
      });
      return { doc: JSON.parse(readFileSync(outFile, 'utf8')) as ResultsDocument, outcome };
    },
  };
}

const cases = (n: number, suite = 's', overrides: Parameters<typeof makeCase>[2] = {}) =>
  Array.from({ length: n }, (_, i) => makeCase(`c${String(i).padStart(3, '0')}`, suite, overrides));

const okAfter =
  (ms: number | ((caseId: string) => number)) => (clock: VirtualClock) => (call: { caseId: string }) =>
    reply(clock, typeof ms === 'number' ? ms : ms(call.caseId), `ok ${call.caseId}`);

const samplesOf = (doc: ResultsDocument, caseId: string): SampleResult[] =>
  doc.suites.flatMap((s) => s.cases).find((c) => c.id === caseId)!.samples;

/** The document without what legitimately differs between two runs of the same thing. */
function stable(doc: ResultsDocument): unknown {
  const { id: _id, startedAt: _s, finishedAt: _f, ...run } = doc.run;
  return { ...doc, run };
}

describe('runEval: the pool', () => {
  it('never has more requests in flight than the concurrency, and uses all of it', async () => {
    const h = harness(
      [makeSuite('s', cases(60))],
      okAfter((id) => 10 + (Number(id.slice(1)) % 7) * 13),
    );
    const { doc } = await h.run({ concurrency: 5 });
    expect(h.target.maxInFlight).toBe(5);
    expect(h.target.calls).toHaveLength(60);
    expect(doc.summary).toMatchObject({
      cases: 60,
      samples: 60,
      passed: 60,
      failed: 0,
      errors: 0,
      partial: false,
    });
  });

  it('lists suites as given and cases in suite order, whatever order they finish in', async () => {
    const a = makeSuite('a', cases(20, 'a'));
    const b = makeSuite('b', cases(5, 'b'), { contentHash: 'hash-b' });
    // Later cases answer sooner, so completion order is roughly the reverse of file order.
    const h = harness(
      [b, a],
      okAfter((id) => 500 - Number(id.slice(1)) * 20),
    );
    const { doc } = await h.run({ concurrency: 8 });
    expect(doc.suites.map((s) => s.id)).toEqual(['b', 'a']);
    expect(doc.suites[1]!.cases.map((c) => c.id)).toEqual(a.cases.map((c) => c.id));

    const again = harness(
      [b, a],
      okAfter((id) => 500 - Number(id.slice(1)) * 20),
    );
    const second = await again.run({ concurrency: 3 });
    expect(stable(second.doc)).toEqual({
      ...(stable(doc) as object),
      run: { ...(stable(doc) as { run: object }).run, options: { concurrency: 3, cache: false } },
    });
  });

  it('writes one case per line and a document that matches the published JSON Schema', async () => {
    const h = harness(
      [makeSuite('s', cases(3, 's', { blocker: true, tags: { risk: 'high' }, hash: '0123456789abcdef' }))],
      okAfter(5),
    );
    const { doc } = await h.run();
    const text = readFileSync(h.outFile, 'utf8');
    expect(text.split('\n').filter((l) => l.startsWith('{"id":"c0'))).toHaveLength(3);
    const schema = JSON.parse(
      readFileSync(new URL('../../schema/results.schema.json', import.meta.url), 'utf8'),
    ) as object;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const valid = ajv.validate(schema, doc);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(doc.run).toMatchObject({
      configHash: 'cfg0000000000000',
      configPath: 'evalgate.yml',
      targets: { bot: { kind: 'http' } },
    });
    expect(doc.suites[0]!.file).toBe('suites/s.yml');
    expect(doc.suites[0]!.cases[0]!.location).toEqual({ file: 'suites/s.yml', line: 1 });
    // Each case's content hash, for compare to pair it case by case.
    expect(doc.suites[0]!.cases.map((c) => c.hash)).toEqual(Array(3).fill('0123456789abcdef'));
  });
});

describe('runEval: retries', () => {
  it('retries a retryable error, waiting at least the retry-after the server gave', async () => {
    const h = harness([makeSuite('s', [makeCase('a', 's')])], (clock) => async (call) => {
      if (call.attempt < 2)
        throw new TargetError('http', '503', { status: 503, retryable: true, retryAfterMs: 2000 });
      return reply(clock, 10, 'ok');
    });
    const { doc } = await h.run({ random: () => 0 });
    const start = h.target.starts[0]!;
    expect(h.target.starts.map((t) => t - start)).toEqual([0, 2000, 4000]);
    expect(samplesOf(doc, 'a')[0]).toMatchObject({ status: 'pass', retries: 2, latencyMs: 10 });
  });

  it('backs off exponentially with full jitter when the server says nothing', async () => {
    const h = harness([makeSuite('s', [makeCase('a', 's')])], (clock) => async (call) => {
      if (call.attempt < 3) throw new TargetError('connection', 'ECONNRESET', { retryable: true });
      return reply(clock, 10, 'ok');
    });
    // random() = 1 puts each wait at the top of its range: 500, 1000, 2000.
    await h.run({ random: () => 1, retries: 3 });
    const start = h.target.starts[0]!;
    expect(h.target.starts.map((t) => t - start)).toEqual([0, 500, 1500, 3500]);
  });

  it('gives up after `retries` and records an error sample with the count', async () => {
    const h = harness([makeSuite('s', [makeCase('a', 's'), makeCase('b', 's')])], (clock) => async (call) => {
      if (call.caseId === 'a')
        throw new TargetError('http', 'upstream 502', { status: 502, retryable: true });
      return reply(clock, 10, 'ok');
    });
    const { doc } = await h.run({ retries: 2 });
    expect(h.target.calls.filter((c) => c.caseId === 'a')).toHaveLength(3);
    expect(samplesOf(doc, 'a')[0]).toEqual({
      index: 0,
      status: 'error',
      graders: [],
      error: { kind: 'http', message: 'upstream 502', status: 502 },
      retries: 2,
      cached: false,
    });
    expect(doc.suites[0]!.cases[0]!.status).toBe('error');
    expect(samplesOf(doc, 'b')[0]!.status).toBe('pass');
  });

  it('does not retry a non-retryable error', async () => {
    const h = harness([makeSuite('s', [makeCase('a', 's')])], () => async () => {
      throw new TargetError('http', 'bad request', { status: 400 });
    });
    const { doc } = await h.run();
    expect(h.target.calls).toHaveLength(1);
    expect(samplesOf(doc, 'a')[0]).toMatchObject({
      status: 'error',
      retries: 0,
      error: { kind: 'http', status: 400 },
    });
  });

  it('turns anything else thrown into an error sample of kind unknown, and a failing prepare into config', async () => {
    const h = harness(
      [makeSuite('s', [makeCase('a', 's'), makeCase('b', 's', { vars: { broken: true } })])],
      () => async () => {
        throw new RangeError('boom');
      },
    );
    const { doc } = await h.run();
    expect(samplesOf(doc, 'a')[0]).toMatchObject({
      status: 'error',
      error: { kind: 'unknown', message: 'boom' },
    });
    expect(samplesOf(doc, 'b')[0]).toMatchObject({
      status: 'error',
      error: { kind: 'config', message: "missing variable 'x'" },
    });
    expect(h.target.calls).toHaveLength(1);
  });

  it('times a hung request out as an error sample and goes on with the run', async () => {
    const h = harness(
      [makeSuite('s', cases(4))],
      (clock) => (call) =>
        // c001 never answers and ignores its abort signal.
        call.caseId === 'c001' ? new Promise(() => {}) : reply(clock, 20, 'ok'),
    );
    const { doc } = await h.run({ timeoutMs: 1000, retries: 1, random: () => 0 });
    expect(samplesOf(doc, 'c001')[0]).toMatchObject({
      status: 'error',
      retries: 1,
      error: { kind: 'timeout' },
    });
    expect(h.target.calls.filter((c) => c.caseId === 'c001').map((c) => c.signal.aborted)).toEqual([
      true,
      true,
    ]);
    expect(doc.summary).toMatchObject({ passed: 3, errors: 1, partial: false });
  });
});

describe('runEval: rate limits', () => {
  it('pauses every request to the target on a 429 until its retry-after, and halves the window', async () => {
    const h = harness([makeSuite('s', cases(12))], (clock) => async (call) => {
      if (call.caseId === 'c000' && call.attempt === 0) {
        throw new TargetError('rate_limit', 'slow down', {
          status: 429,
          retryable: true,
          retryAfterMs: 1000,
        });
      }
      return reply(clock, 100, 'ok');
    });
    const { doc } = await h.run({ concurrency: 4, random: () => 0 });
    const t0 = h.target.starts[0]!;
    const starts = h.target.starts.map((t) => t - t0);
    // The first four start together; after the 429 at t=0 nothing starts before t=1000.
    expect(starts.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(starts.slice(4).every((t) => t >= 1000)).toBe(true);
    // Window 4 → 2, then +1/w for each of the three successes at t=100: floor(3.24) = 3.
    expect(starts.filter((t) => t === 1000)).toHaveLength(3);
    expect(h.events.filter((e) => e.type === 'rate-limit')).toEqual([
      {
        type: 'rate-limit',
        target: 'bot',
        pauseMs: 1000,
        reason: '429 rate limited: pausing requests for 1.0s',
      },
    ]);
    expect(samplesOf(doc, 'c000')[0]).toMatchObject({ status: 'pass', retries: 1 });
  });

  it('pauses until the reset when x-ratelimit-remaining-requests reaches 0', async () => {
    const h = harness(
      [makeSuite('s', cases(3))],
      (clock) => (call) =>
        reply(
          clock,
          10,
          'ok',
          {},
          call.caseId === 'c000'
            ? { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '2s' }
            : {},
        ),
    );
    await h.run({ concurrency: 1 });
    const t0 = h.target.starts[0]!;
    expect(h.target.starts.map((t) => t - t0)).toEqual([0, 2010, 2020]);
    expect(h.events.find((e) => e.type === 'rate-limit')).toMatchObject({ pauseMs: 2000 });
  });
});

describe('runEval: grading', () => {
  it('counts a grader that throws as an error verdict, never a pass', async () => {
    const boom = grader('boom', () => {
      throw new Error('judge unavailable');
    });
    const rejects = grader('async-boom', async () => {
      throw new Error('judge timed out');
    });
    const liar = grader('liar', () => ({ ...verdict('liar', true, 1), error: true }));
    const failing = grader('never', () => verdict('never', false));
    const h = harness(
      [
        makeSuite('s', [
          makeCase('throws', 's', { graders: [contains('ok'), boom] }),
          makeCase('rejects', 's', { graders: [rejects] }),
          makeCase('liar', 's', { graders: [liar] }),
          makeCase('fails-too', 's', { graders: [boom, failing] }),
        ]),
      ],
      okAfter(5),
    );
    const { doc } = await h.run();
    expect(samplesOf(doc, 'throws')[0]!.graders).toEqual([
      { grader: 'contains:ok', pass: true, score: 1, reason: 'found' },
      { grader: 'boom', pass: false, score: 0, reason: 'grader error: judge unavailable', error: true },
    ]);
    expect(samplesOf(doc, 'throws')[0]!.status).toBe('error');
    expect(samplesOf(doc, 'rejects')[0]!.graders[0]).toMatchObject({
      pass: false,
      error: true,
      reason: 'grader error: judge timed out',
    });
    expect(samplesOf(doc, 'liar')[0]!.graders[0]).toMatchObject({ pass: false, error: true });
    expect(samplesOf(doc, 'liar')[0]!.status).toBe('error');
    expect(samplesOf(doc, 'fails-too')[0]!.status).toBe('fail');
    expect(doc.summary).toMatchObject({ passed: 0, failed: 1, errors: 3 });
    expect(doc.suites[0]!.metrics.passRate).toBe(0);
  });

  it('computes the suite metrics of a worked example', async () => {
    const latency: Record<string, number> = { a: 10, b: 20, c: 30, d: 40 };
    const h = harness(
      [
        makeSuite('s', [
          makeCase('a', 's'),
          makeCase('b', 's'),
          makeCase('c', 's', { blocker: true }),
          makeCase('d', 's', { blocker: true }),
          makeCase('e', 's', { blocker: true }),
        ]),
      ],
      (clock) => async (call) => {
        if (call.caseId === 'e') throw new TargetError('http', 'bad', { status: 400 });
        const text = call.caseId === 'b' ? "I can't help with that, ok" : call.caseId === 'c' ? 'nope' : 'ok';
        return reply(clock, latency[call.caseId]!, text, {
          model: 'gpt-4o-mini-2024-07-18',
          usage: { prompt: 10, completion: 5, total: 15, cached: 4 },
        });
      },
    );
    const { doc, outcome } = await h.run();
    const m = doc.suites[0]!.metrics;
    // Answered latencies 10, 20, 30, 40: type-7 quantiles.
    expect(m.latencyMs).toEqual({ p50: 25, p95: 38.5, p99: 39.7, mean: 25 });
    expect(m).toMatchObject({ cases: 5, samples: 5, passed: 3, failed: 1, errors: 1 });
    expect(m.passRate).toBe(0.75); // 3 / (3 + 1): the error is left out
    expect(m.errorRate).toBe(0.2);
    expect(m.refusalRate).toBe(0.25);
    expect(m.graderScores).toEqual({ 'contains:ok': 0.75 });
    expect(m.tokens).toEqual({ prompt: 40, completion: 20, total: 60, cached: 16, perCase: 12 });
    // gpt-4o-mini: (6 × 0.15 + 4 × 0.075 + 5 × 0.6) / 10⁶ per answered sample.
    const each = (6 * 0.15 + 4 * 0.075 + 5 * 0.6) / 1e6;
    expect(samplesOf(doc, 'a')[0]!.cost).toBeCloseTo(each, 15);
    expect(m.cost!.total).toBeCloseTo(4 * each, 15);
    expect(m.cost!.perCase).toBeCloseTo((4 * each) / 5, 15);
    expect(m.blockerFailures).toEqual(['c', 'e']);
    expect(samplesOf(doc, 'b')[0]!.refusal).toBe(true);
    expect(samplesOf(doc, 'a')[0]!.refusal).toBe(false);
    expect(doc.summary.blockerFailures).toEqual([
      { suite: 's', case: 'c' },
      { suite: 's', case: 'e' },
    ]);
    expect(doc.summary.cost).toBeCloseTo(4 * each, 15);
    expect(outcome.suites[0]!.metrics).toEqual(m);
  });

  it('leaves cost out when the model has no price', async () => {
    const h = harness(
      [makeSuite('s', [makeCase('a', 's')])],
      (clock) => () =>
        reply(clock, 5, 'ok', { model: 'in-house-7b', usage: { prompt: 1, completion: 1, total: 2 } }),
    );
    const { doc } = await h.run();
    expect(samplesOf(doc, 'a')[0]!.cost).toBeUndefined();
    expect(doc.suites[0]!.metrics.cost).toBeNull();
    expect(doc.summary.cost).toBeNull();
  });

  it('runs `repeat` independent samples, each with its own index and cache entry', async () => {
    const cache = createMemoryCache();
    const h = harness(
      [makeSuite('s', [makeCase('a', 's', { repeat: 3 }), makeCase('b', 's')], { repeat: 1 })],
      (clock) => (call) => reply(clock, 5, call.sample === 1 ? 'nope' : 'ok'),
    );
    const { doc } = await h.run({ cache });
    expect(samplesOf(doc, 'a').map((s) => [s.index, s.status])).toEqual([
      [0, 'pass'],
      [1, 'fail'],
      [2, 'pass'],
    ]);
    expect(
      h.target.calls
        .filter((c) => c.caseId === 'a')
        .map((c) => c.sample)
        .sort(),
    ).toEqual([0, 1, 2]);
    expect(cache.size).toBe(4);
    expect(doc.suites[0]!.cases[0]!.status).toBe('fail');
    expect(doc.suites[0]!.metrics).toMatchObject({ cases: 2, samples: 4, passed: 3, failed: 1 });
  });
});

describe('runEval: response cache', () => {
  it('replays hits without calling the target, at the recorded latency, and never caches errors', async () => {
    const cache = createMemoryCache();
    const suite = makeSuite('s', [makeCase('a', 's'), makeCase('b', 's'), makeCase('bad', 's')]);
    const first = harness([suite], (clock) => async (call) => {
      if (call.caseId === 'bad') throw new TargetError('http', 'bad', { status: 400 });
      return reply(clock, call.caseId === 'a' ? 30 : 40, 'ok');
    });
    const one = await first.run({ cache });
    expect(first.target.calls).toHaveLength(3);
    expect(cache.size).toBe(2);

    const second = harness([suite], (clock) => () => reply(clock, 999, 'ok'));
    const two = await second.run({ cache });
    expect(second.target.calls.map((c) => c.caseId)).toEqual(['bad']);
    expect(samplesOf(two.doc, 'a')[0]).toMatchObject({ cached: true, latencyMs: 30, status: 'pass' });
    expect(samplesOf(two.doc, 'b')[0]).toMatchObject({ cached: true, latencyMs: 40 });
    expect(samplesOf(two.doc, 'bad')[0]).toMatchObject({ cached: false, status: 'pass', latencyMs: 999 });
    expect(samplesOf(one.doc, 'a')[0]!.cached).toBe(false);
    expect(
      second.events.filter((e) => e.type === 'sample').map((e) => (e as { cached: boolean }).cached),
    ).toEqual([true, true, false]);
  });

  it('treats a corrupt disk entry as a miss and rewrites it', async () => {
    const dir = tempDir();
    const cache = createDiskCache(dir);
    const suite = makeSuite('s', [makeCase('a', 's')]);
    const first = harness([suite], (clock) => () => reply(clock, 12, 'ok'));
    await first.run({ cache });
    const { readdirSync } = await import('node:fs');
    const sub = readdirSync(dir)[0]!;
    const file = join(dir, sub, readdirSync(join(dir, sub))[0]!);
    writeFileSync(file, '{"v":1,"key":"trunc');

    const second = harness([suite], (clock) => () => reply(clock, 15, 'ok'));
    const { doc } = await second.run({ cache });
    expect(second.target.calls).toHaveLength(1);
    expect(samplesOf(doc, 'a')[0]).toMatchObject({ cached: false, latencyMs: 15 });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ latencyMs: 15, output: { output: 'ok' } });
  });
});

describe('runEval: dimensions', () => {
  // Graders of two dimensions; cases in two workflows, one in both, one repeated, one erroring.
  const dimensional = (name: string, dimension: 'correctness' | 'risk', pass: (out: string) => boolean) => ({
    ...grader(name, ({ output }) => ({
      grader: name,
      pass: pass(output.output),
      score: pass(output.output) ? 1 : 0,
      reason: 'test',
    })),
    dimension,
  });
  const suites = () => {
    const graders = [
      dimensional('right', 'correctness', (o) => !o.includes('wrong')),
      dimensional('safe', 'risk', (o) => !o.includes('leak')),
    ];
    const tagged = (id: string, workflow: string | string[], extra: Parameters<typeof makeCase>[2] = {}) =>
      makeCase(id, 'd', { graders, tags: { workflow }, ...extra });
    return [
      makeSuite('d', [
        tagged('a', 'summarize'),
        tagged('b', 'summarize', { repeat: 3 }),
        tagged('c', 'answer'),
        tagged('d', ['answer', 'summarize']),
        tagged('e', 'answer'),
        makeCase('f', 'd', { graders }),
      ]),
    ];
  };
  const behaviour =
    (clock: VirtualClock): FakeBehaviour =>
    (call) => {
      if (call.caseId === 'e') throw new TargetError('http', 'bad', { status: 400 });
      const text = call.caseId === 'c' ? 'wrong' : call.caseId === 'b' && call.sample === 1 ? 'leak' : 'fine';
      return reply(clock, 10 + call.sample, text);
    };

  it("keeps each suite's tallies by dimension and workflow as it goes, equal to the document's, resumed or not", async () => {
    const whole = await harness(suites(), behaviour).run();
    expect(whole.outcome.dimensions).toEqual(dimensionTalliesOf(whole.doc));
    const [d] = whole.outcome.dimensions;
    // 7 answered samples (e errored): c fails correctness, one sample of b fails risk.
    expect(d!.all.get('correctness')).toEqual({ passed: 6, trials: 7 });
    expect(d!.all.get('risk')).toEqual({ passed: 6, trials: 7 });
    expect(d!.byWorkflow.get('summarize')!.get('risk')).toEqual({ passed: 4, trials: 5 });
    expect(d!.byWorkflow.get('answer')!.get('correctness')).toEqual({ passed: 1, trials: 2 });
    expect([...d!.workflows].sort()).toEqual(['answer', 'summarize']);

    const h = harness(suites(), behaviour);
    const ctrl = new AbortController();
    let seen = 0;
    await h.run({
      concurrency: 1,
      signal: ctrl.signal,
      onEvent: (e) => {
        if (e.type === 'sample' && ++seen === 4) ctrl.abort();
      },
    });
    const resumed = await h.run({ targets: new Map([['bot', fakeTarget(h.clock, behaviour(h.clock))]]) });
    expect(resumed.outcome.resumed).toBeGreaterThan(0);
    expect(resumed.outcome.dimensions).toEqual(whole.outcome.dimensions);
  });
});

describe('runEval: interruption and resume', () => {
  const suites = () => [
    makeSuite('one', cases(30, 'one')),
    makeSuite('two', [...cases(10, 'two'), makeCase('rep', 'two', { repeat: 3 })], {
      contentHash: 'hash-two',
    }),
  ];
  const behaviour =
    (clock: VirtualClock): FakeBehaviour =>
    (call) =>
      reply(
        clock,
        10 + ((call.caseId.charCodeAt(call.caseId.length - 1) * 7 + call.sample) % 11) * 5,
        `ok ${call.caseId}`,
        {
          usage: { prompt: 3, completion: 2, total: 5 },
        },
      );

  it('resumes from the journal, running only what is left, and ends with the same document', async () => {
    const reference = await harness(suites(), behaviour).run();

    const h = harness(suites(), behaviour);
    const ctrl = new AbortController();
    let seen = 0;
    const first = await h.run({
      signal: ctrl.signal,
      onEvent: (e) => {
        if (e.type === 'sample' && ++seen === 15) ctrl.abort();
      },
    });
    expect(first.doc.summary.partial).toBe(true);
    expect(first.outcome.journal).toBe(`${h.outFile}.journal`);
    expect(existsSync(`${h.outFile}.journal`)).toBe(true);
    expect(first.doc.summary.samples).toBeLessThanOrEqual(15);
    expect(first.doc.suites.flatMap((s) => s.cases.map((c) => c.samples.length))).not.toContain(0);

    const again = fakeTarget(h.clock, behaviour(h.clock));
    const events: RunEvent[] = [];
    const second = await h.run({ targets: new Map([['bot', again]]), onEvent: (e) => events.push(e) });
    const total = 30 + 10 + 3;
    expect(events[0]).toMatchObject({ type: 'run-started', total, resumed: 15 });
    expect(second.outcome.resumed).toBe(15);
    expect(again.calls).toHaveLength(total - 15);
    expect(existsSync(`${h.outFile}.journal`)).toBe(false);
    expect(second.doc.summary.partial).toBe(false);
    expect(second.doc.run.id).toBe(first.doc.run.id);
    expect(stable(second.doc)).toEqual(stable(reference.doc));
  });

  it('resumes a run with a sample offset only under the same offset', async () => {
    const h = harness(suites(), behaviour);
    await expect(h.run({ sampleOffset: -1 })).rejects.toThrow('sampleOffset must be a whole number');
    await expect(h.run({ sampleOffset: 1.5 })).rejects.toThrow('sampleOffset must be a whole number');
    const ctrl = new AbortController();
    let seen = 0;
    await h.run({
      sampleOffset: 1000,
      signal: ctrl.signal,
      onEvent: (e) => {
        if (e.type === 'sample' && ++seen === 15) ctrl.abort();
      },
    });
    const again = fakeTarget(h.clock, behaviour(h.clock));
    const { outcome, doc } = await h.run({ sampleOffset: 1000, targets: new Map([['bot', again]]) });
    expect(outcome.resumed).toBe(15);
    expect(again.calls).toHaveLength(43 - 15);
    expect(again.calls.every((c) => c.sample >= 1000)).toBe(true);
    const rep = doc.suites[1]!.cases.find((c) => c.id === 'rep')!;
    expect(rep.samples.map((x) => x.index)).toEqual([1000, 1001, 1002]);
    expect(doc.run.options.sampleOffset).toBe(1000);

    // Interrupted at offset 1000, run again at 0: a different run, started afresh.
    const h2 = harness(suites(), behaviour);
    const ctrl2 = new AbortController();
    seen = 0;
    await h2.run({
      sampleOffset: 1000,
      signal: ctrl2.signal,
      onEvent: (e) => {
        if (e.type === 'sample' && ++seen === 5) ctrl2.abort();
      },
    });
    const fresh = fakeTarget(h2.clock, behaviour(h2.clock));
    const rerun = await h2.run({ targets: new Map([['bot', fresh]]) });
    expect(rerun.outcome.resumed).toBe(0);
    expect(fresh.calls).toHaveLength(43);
    expect(rerun.doc.run.options.sampleOffset).toBeUndefined();
  });

  it('cuts a torn last line off the journal and runs that sample again', async () => {
    const h = harness(suites(), behaviour);
    const ctrl = new AbortController();
    let seen = 0;
    await h.run({
      signal: ctrl.signal,
      onEvent: (e) => {
        if (e.type === 'sample' && ++seen === 10) ctrl.abort();
      },
    });
    const journal = `${h.outFile}.journal`;
    const text = readFileSync(journal, 'utf8');
    writeFileSync(journal, text.slice(0, text.length - 25)); // a kill -9 mid-write
    const again = fakeTarget(h.clock, behaviour(h.clock));
    const { outcome, doc } = await h.run({ targets: new Map([['bot', again]]) });
    expect(outcome.resumed).toBe(9);
    expect(again.calls).toHaveLength(43 - 9);
    expect(doc.summary).toMatchObject({ samples: 43, partial: false });
  });

  it('starts afresh when the journal belongs to a different run', async () => {
    const h = harness(suites(), behaviour);
    const ctrl = new AbortController();
    let seen = 0;
    await h.run({
      signal: ctrl.signal,
      onEvent: (e) => {
        if (e.type === 'sample' && ++seen === 5) ctrl.abort();
      },
    });
    const changed = suites();
    changed[0] = { ...changed[0]!, contentHash: 'edited' };
    const again = fakeTarget(h.clock, behaviour(h.clock));
    const events: RunEvent[] = [];
    await h.run({ suites: changed, targets: new Map([['bot', again]]), onEvent: (e) => events.push(e) });
    expect(again.calls).toHaveLength(43);
    expect(events.find((e) => e.type === 'warning')).toMatchObject({
      message: expect.stringContaining('started afresh'),
    });
  });

  it('stops at once when aborted before it starts, writing an empty partial document', async () => {
    const h = harness(suites(), behaviour);
    const ctrl = new AbortController();
    ctrl.abort();
    const { doc } = await h.run({ signal: ctrl.signal });
    expect(h.target.calls).toHaveLength(0);
    expect(doc.summary).toMatchObject({ cases: 0, samples: 0, partial: true });
    expect(doc.suites.map((s) => s.cases.length)).toEqual([0, 0]);
  });
});

describe('runEval: options and events', () => {
  it("lets a target's own concurrency and retries override the run's", async () => {
    const h = harness([makeSuite('s', cases(20))], (clock) => async (call) => {
      if (call.caseId === 'c000') throw new TargetError('http', '503', { status: 503, retryable: true });
      return reply(clock, 10, 'ok');
    });
    const project = makeProject();
    project.config.targets.bot = { ...project.config.targets.bot!, concurrency: 2, retries: 0 };
    const { doc } = await h.run({ project, concurrency: 8, retries: 5 });
    expect(h.target.maxInFlight).toBe(2);
    expect(samplesOf(doc, 'c000')[0]).toMatchObject({ status: 'error', retries: 0 });
  });

  it('refuses a suite whose target was not given, before touching the disk', async () => {
    const h = harness([makeSuite('s', cases(1), { target: 'elsewhere' })], okAfter(1));
    await expect(h.run()).rejects.toThrow("no target 'elsewhere' for suite 's'");
    expect(existsSync(`${h.outFile}.journal`)).toBe(false);
  });

  it('reports progress: run start, suites, every sample', async () => {
    const h = harness([makeSuite('a', cases(2, 'a')), makeSuite('b', cases(1, 'b'))], okAfter(5));
    await h.run({ concurrency: 1 });
    expect(h.events.map((e) => (e.type === 'sample' ? `${e.suite}/${e.case}` : e.type))).toEqual([
      'run-started',
      'suite-started',
      'a/c000',
      'a/c001',
      'suite-finished',
      'suite-started',
      'b/c000',
      'suite-finished',
    ]);
    expect(h.events[0]).toEqual({
      type: 'run-started',
      runId: expect.any(String),
      total: 3,
      resumed: 0,
      suites: 2,
    });
  });

  it('stops every worker and keeps the journal when the runner itself fails', async () => {
    const h = harness([makeSuite('s', cases(50))], okAfter(10));
    let seen = 0;
    await expect(
      h.run({
        probe: () => {
          if (++seen === 5) throw new Error('disk full');
        },
      }),
    ).rejects.toThrow('disk full');
    expect(h.target.calls.length).toBeLessThan(12);
    expect(existsSync(`${h.outFile}.journal`)).toBe(true);
    expect(existsSync(h.outFile)).toBe(false);
  });

  it('hears an abort from outside even while replaying cache hits', async () => {
    const cache = createMemoryCache();
    const suite = makeSuite('s', cases(3000));
    await harness([suite], okAfter(1)).run({ cache, concurrency: 8 });
    const h = harness([suite], okAfter(1));
    const ctrl = new AbortController();
    // A macrotask: it only runs if the runner lets the event loop turn between hits.
    setImmediate(() => ctrl.abort());
    const { doc } = await h.run({ cache, concurrency: 8, signal: ctrl.signal });
    expect(h.target.calls).toHaveLength(0);
    expect(doc.summary.partial).toBe(true);
    expect(doc.summary.samples).toBeLessThan(3000);
  });
});

describe('runEval: memory', () => {
  it('holds O(concurrency) sample results, however many cases there are', async () => {
    const concurrency = 4;
    const repeat = 3;
    let maxHeld = 0;
    let maxInFlight = 0;
    const h = harness(
      [makeSuite('s', cases(400, 's', { repeat }))],
      (clock) => (call) => reply(clock, 5 + ((call.caseId.charCodeAt(3) + call.sample * 13) % 17) * 3, 'ok'),
    );
    const { doc } = await h.run({
      concurrency,
      probe: ({ inFlight, heldSamples }) => {
        maxHeld = Math.max(maxHeld, heldSamples);
        maxInFlight = Math.max(maxInFlight, inFlight);
      },
    });
    expect(doc.summary.samples).toBe(1200);
    expect(maxInFlight).toBeLessThanOrEqual(concurrency);
    // At most concurrency + 1 cases are part-done, each holding at most repeat − 1 samples.
    expect(maxHeld).toBeGreaterThan(0);
    expect(maxHeld).toBeLessThanOrEqual((concurrency + 1) * (repeat - 1));
  });
});
