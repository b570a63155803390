import { setMaxListeners } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from '../../test/helpers/fake-openai.js';
import { ConfigError, formatField } from '../config/errors.js';
import type { LoadedCase } from '../config/load.js';
import type { Price } from '../config/schema.js';
import { OpenAITargetSchema } from '../config/schema.js';
import { compileGrader } from '../graders/index.js';
import type { ResultsDocument, SampleResult } from '../results/types.js';
import { createTarget } from '../targets/index.js';
import { sampleSeed } from '../targets/seed.js';
import type { Target } from '../targets/types.js';
import { createMemoryCache, type ResponseCache } from './cache.js';
import { systemClock } from './clock.js';
import { runEval, type RunEvent, type RunOptions } from './run.js';
import { contains, makeCase, makeProject, makeSuite } from '../../test/kits/runner.js';

/**
 * The runner against the official openai SDK and a loopback server that answers as local
 * servers do (llama.cpp, vLLM, Ollama): seeds per sample, re-requested failures, the model
 * loading, no x-request-id, their own model names.
 */

// ajv-formats is CommonJS; its default export arrives wrapped under ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => void;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const validateResults = ajv.compile(JSON.parse(readFileSync('schema/results.schema.json', 'utf8')) as object);

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'evalgate-real-server-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function server(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const s = await startFakeOpenAI(options);
  cleanups.push(() => s.close());
  return s;
}

interface Setup {
  model?: string;
  prices?: Record<string, Price>;
}

/** An openai target named `bot` with the given model file, pointed at `url`. */
function openaiTarget(url: string, modelFile: string): { target: Target; root: string } {
  const root = tempDir();
  const files = {
    'prompts/bot.md': '[user]\n{{ q }}',
    'models/bot.yaml': modelFile,
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  const spec = OpenAITargetSchema.parse({
    type: 'openai',
    baseURL: url,
    apiKeyEnv: 'KEY',
    prompt: 'prompts/bot.md',
    model: 'models/bot.yaml',
  });
  const target = createTarget('bot', spec, {
    rootDir: root,
    env: { KEY: 'sk-test' },
    fail: (field, message) => new ConfigError(message, { file: 'evalgate.yml', field: formatField(field) }),
  });
  return { target, root };
}

async function run(
  target: Target,
  cases: LoadedCase[],
  overrides: Partial<RunOptions> & Setup = {},
): Promise<{ doc: ResultsDocument; events: RunEvent[] }> {
  const events: RunEvent[] = [];
  const outFile = join(tempDir(), 'evalgate-results.json');
  const { prices, ...rest } = overrides;
  await runEval({
    project: makeProject({
      targets: { bot: { type: 'openai', apiKeyEnv: 'KEY', prompt: 'p', model: 'm' } },
      prices: prices ?? {},
    } as never),
    suites: [makeSuite('s', cases)],
    targets: new Map([['bot', target]]),
    outFile,
    concurrency: 4,
    timeoutMs: 10_000,
    retries: 1,
    cache: null,
    random: () => 0.5,
    onEvent: (e) => events.push(e),
    ...rest,
  });
  return { doc: JSON.parse(readFileSync(outFile, 'utf8')) as ResultsDocument, events };
}

const samplesOf = (doc: ResultsDocument, caseId = 'c1'): SampleResult[] =>
  doc.suites[0]!.cases.find((c) => c.id === caseId)!.samples;

const warnings = (events: RunEvent[]) => events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));

describe('repeats are real samples', () => {
  it('sends each sample its own seed, records it, and a later offset gets fresh ones', async () => {
    const fake = await server({ script: ({ body }) => ({ content: `ok seed ${String(body.seed)}` }) });
    const { target } = openaiTarget(fake.url, 'model: gpt-4o-mini\ntemperature: 0.8\nseed: 42\n');
    const cache = createMemoryCache();
    const cases = [makeCase('c1', 's', { repeat: 3 })];

    const first = await run(target, cases, { cache });
    const sent = fake.requests.map((r) => r.body.seed as number).sort((a, b) => a - b);
    const expected = [42, sampleSeed(42, 1), sampleSeed(42, 2)];
    expect(sent).toEqual([...expected].sort((a, b) => a - b));
    expect(new Set(sent).size).toBe(3);
    expect(samplesOf(first.doc).map((s) => [s.index, s.seed])).toEqual([
      [0, 42],
      [1, expected[1]],
      [2, expected[2]],
    ]);
    expect(samplesOf(first.doc).map((s) => s.output!.output)).toEqual(expected.map((s) => `ok seed ${s}`));

    // A confirmation run: same cache, offset 1000. Nothing is served from the original samples.
    const second = await run(target, cases, { cache, sampleOffset: 1000 });
    expect(fake.requests).toHaveLength(6);
    const fresh = fake.requests.slice(3).map((r) => r.body.seed as number);
    for (const seed of fresh) expect(expected).not.toContain(seed);
    expect(samplesOf(second.doc).map((s) => [s.index, s.seed, s.cached])).toEqual([
      [1000, sampleSeed(42, 1000), false],
      [1001, sampleSeed(42, 1001), false],
      [1002, sampleSeed(42, 1002), false],
    ]);

    for (const doc of [first.doc, second.doc]) {
      expect(validateResults(doc), JSON.stringify(validateResults.errors)).toBe(true);
    }
    expect(second.doc.run.options.sampleOffset).toBe(1000);

    // The same offset again: now those are the cached ones.
    const third = await run(target, cases, { cache, sampleOffset: 1000 });
    expect(fake.requests).toHaveLength(6);
    expect(samplesOf(third.doc).every((s) => s.cached)).toBe(true);
  });

  it('records no seed where the request carried none', async () => {
    const fake = await server();
    const { target } = openaiTarget(fake.url, 'model: gpt-4o-mini\ntemperature: 0.8\n');
    const { doc } = await run(target, [makeCase('c1', 's', { repeat: 2 })]);
    expect(fake.requests.map((r) => r.body.seed)).toEqual([undefined, undefined]);
    expect(samplesOf(doc).map((s) => s.seed)).toEqual([undefined, undefined]);
  });

  it('warns once per suite when a deterministic target answers every repeat identically', async () => {
    const fake = await server({ script: () => ({ content: 'ok always the same' }) });
    const { target } = openaiTarget(fake.url, 'model: gpt-4o-mini\ntemperature: 0\n');
    const cases = [makeCase('c1', 's', { repeat: 3 }), makeCase('c2', 's', { repeat: 3 })];
    const { events } = await run(target, cases);
    const copies = warnings(events).filter((w) => w.includes('identical'));
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatch(/suite s: the 3 samples of case c[12] are identical: target 'bot'/);

    // Sampling (temperature > 0): identical answers are the model's, not copies of one request.
    const sampled = openaiTarget(fake.url, 'model: gpt-4o-mini\ntemperature: 0.7\n').target;
    expect(warnings((await run(sampled, cases)).events).filter((w) => w.includes('identical'))).toEqual([]);
    // Deterministic, but the answers differ: nothing to say.
    let n = 0;
    const varied = await server({ script: () => ({ content: `ok ${n++}` }) });
    const differing = openaiTarget(varied.url, 'model: gpt-4o-mini\ntemperature: 0\n').target;
    expect(warnings((await run(differing, cases)).events)).toEqual([]);
  });
});

describe('refreshFailures', () => {
  it('re-requests a cached failure (and caches the fresh answer), and replays a cached pass', async () => {
    let fixed = false;
    const fake = await server({
      script: ({ body }) => {
        const q = String(body.messages?.at(-1)?.content);
        return { content: q === 'bad' && !fixed ? 'wrong answer' : `ok ${q}` };
      },
    });
    const { target } = openaiTarget(fake.url, 'model: gpt-4o-mini\ntemperature: 0.5\n');
    const cache: ResponseCache = createMemoryCache();
    const cases = [
      makeCase('good', 's', { vars: { q: 'good' } }),
      makeCase('bad', 's', { vars: { q: 'bad' } }),
    ];
    const status = (doc: ResultsDocument) =>
      doc.suites[0]!.cases.map((c) => [c.id, c.samples[0]!.status, c.samples[0]!.cached]);

    expect(status((await run(target, cases, { cache })).doc)).toEqual([
      ['good', 'pass', false],
      ['bad', 'fail', false],
    ]);
    expect(fake.requests).toHaveLength(2);
    fixed = true;

    // Without the flag the cache replays both, the failure included.
    expect(status((await run(target, cases, { cache })).doc)).toEqual([
      ['good', 'pass', true],
      ['bad', 'fail', true],
    ]);
    expect(fake.requests).toHaveLength(2);

    // With it, only the failure is asked for again.
    expect(status((await run(target, cases, { cache, refreshFailures: true })).doc)).toEqual([
      ['good', 'pass', true],
      ['bad', 'pass', false],
    ]);
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests[2]!.body.messages?.at(-1)?.content).toBe('bad');

    // The fresh answer replaced the cached failure.
    expect(status((await run(target, cases, { cache })).doc)).toEqual([
      ['good', 'pass', true],
      ['bad', 'pass', true],
    ]);
    expect(fake.requests).toHaveLength(3);
  });
});

describe('abort listeners', () => {
  it('runs at concurrency 32 under an abort signal without a MaxListenersExceededWarning', async () => {
    // Answers slow enough that many requests overlap even when the machine is busy.
    const fake = await server({ latencyMs: 250, script: () => ({ content: 'ok' }) });
    const { target } = openaiTarget(fake.url, 'model: gpt-4o-mini\ntemperature: 0.5\n');
    const seen: Error[] = [];
    const onWarning = (w: Error) => seen.push(w);
    process.on('warning', onWarning);
    cleanups.push(() => process.off('warning', onWarning));
    const abort = new AbortController();
    // Node's default limit; the test runner's workers turn it off (0) for new signals.
    setMaxListeners(10, abort.signal);
    const cases = Array.from({ length: 96 }, (_, i) => makeCase(`c${i}`, 's'));
    const { doc } = await run(target, cases, { concurrency: 32, signal: abort.signal });
    expect(doc.summary.passed).toBe(96);
    // The server really had many requests in flight at once (so many listeners would have piled up).
    expect(fake.maxInFlight).toBeGreaterThan(10);
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
  });
});

describe('real servers as they are', () => {
  const loading = {
    status: 503,
    json: { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } },
  };

  /** Virtual time for the waits; real timers for request timeouts (the server is real). */
  function virtualWaits() {
    let t = 1_700_000_000_000;
    const waits: number[] = [];
    return {
      waits,
      now: () => t,
      sleep: (ms: number) => {
        waits.push(ms);
        t += ms;
        return new Promise<void>((resolve) => setImmediate(resolve));
      },
      setTimer: systemClock.setTimer,
    };
  }

  it('waits out a model that is loading, on its own budget, and says so once', async () => {
    const fake = await server({ script: ({ n }) => (n < 12 ? loading : { content: 'ok' }) });
    const { target } = openaiTarget(fake.url, 'model: local\ntemperature: 0.5\n');
    const clock = virtualWaits();
    const cases = Array.from({ length: 4 }, (_, i) => makeCase(`c${i + 1}`, 's'));
    const { doc, events } = await run(target, cases, { ...clock, retries: 1 });
    expect(doc.summary).toMatchObject({ passed: 4, errors: 0 });
    const retries = doc.suites[0]!.cases.map((c) => c.samples[0]!.retries);
    // Twelve 503s spread over the four samples: far more than the one ordinary retry.
    expect(retries.reduce((a, b) => a + b, 0)).toBe(12);
    // Equal jitter at random() = 0.5: 0.75 s, 1.5 s, 3 s, ... capped at 10 s ceilings.
    expect(clock.waits.every((w) => [750, 1500, 3000, 6000, 7500].includes(w))).toBe(true);
    const said = warnings(events);
    expect(said.filter((w) => w.includes('loading its model'))).toEqual([
      'bot: the server is loading its model (HTTP 503: 503 Loading model (request req_fake_0)); waiting up to 120s for it',
    ]);
    expect(said.filter((w) => w.includes('the model is loaded'))).toHaveLength(1);
  });

  it('gives up on a model that never loads after the load budget, once per target, then retries as usual', async () => {
    const fake = await server({ script: () => loading });
    const { target } = openaiTarget(fake.url, 'model: local\ntemperature: 0.5\n');
    const clock = virtualWaits();
    const { doc, events } = await run(target, [makeCase('c1', 's'), makeCase('c2', 's')], {
      ...clock,
      concurrency: 1,
      retries: 2,
      modelLoadWaitMs: 30_000,
    });
    const [first] = samplesOf(doc, 'c1');
    const [second] = samplesOf(doc, 'c2');
    for (const sample of [first, second])
      expect(sample).toMatchObject({ status: 'error', error: { kind: 'http', status: 503 } });
    // 0.75 + 1.5 + 3 + 6 + 7.5 + 7.5 = 26.25 s, then the last wait is cut to the 30 s budget.
    const loadingWaits = clock.waits.slice(0, 7);
    expect(loadingWaits).toEqual([750, 1500, 3000, 6000, 7500, 7500, 3750]);
    expect(loadingWaits.reduce((a, b) => a + b, 0)).toBe(30_000);
    // Then the two ordinary retries; the second case gets only those: the budget was the target's.
    expect(clock.waits).toHaveLength(7 + 2 + 2);
    expect(fake.requests).toHaveLength(10 + 3);
    expect([first!.retries, second!.retries]).toEqual([9, 2]);
    const said = warnings(events);
    expect(said.filter((w) => w.includes('loading its model'))).toHaveLength(1);
    expect(said.filter((w) => w.includes('did not load'))).toEqual([
      'bot: the model did not load within 30s; its requests now get the ordinary retries',
    ]);
  });

  it("takes the request id from the body's id when there is no x-request-id header", async () => {
    const fake = await server({ script: () => ({ content: 'ok', headers: { 'x-request-id': undefined } }) });
    const { target } = openaiTarget(fake.url, 'model: local\n');
    const { doc } = await run(target, [makeCase('c1', 's')]);
    expect(samplesOf(doc)[0]!.output!.requestId).toBe('chatcmpl-fake0');
    expect(fake.requests[0]!.headers).toBeDefined();
  });

  it('prices the requested model first, then the returned one, and names both when neither has a price', async () => {
    const fake = await server({
      script: () => ({
        content: 'ok',
        model: 'qwen2.5-7b-instruct-q4_k_m.gguf',
        usage: { prompt_tokens: 1_000_000, completion_tokens: 0 },
      }),
    });
    const { target } = openaiTarget(fake.url, 'model: my-local\n');
    const costGrader = compileGrader({ type: 'cost', maxUsd: 100 } as never, {} as never);
    const cases = [makeCase('c1', 's', { graders: [contains('ok'), costGrader] })];

    const priced = await run(target, cases, { prices: { 'my-local': { input: 2, output: 0 } } });
    expect(samplesOf(priced.doc)[0]!.cost).toBe(2);

    const unpriced = await run(target, cases);
    const [sample] = samplesOf(unpriced.doc);
    expect(sample!.cost).toBeUndefined();
    expect(sample!.graders[1]!.reason).toBe(
      "no price known for 'my-local' or 'qwen2.5-7b-instruct-q4_k_m.gguf': add it to `prices`",
    );
  });

  it('shows the first error of a suite where every sample errored', async () => {
    const fake = await server({
      script: () => ({ status: 400, json: { error: { message: "model 'nope' not found" } } }),
    });
    const { target } = openaiTarget(fake.url, 'model: nope\n');
    const { events } = await run(target, [makeCase('c1', 's'), makeCase('c2', 's')]);
    expect(warnings(events)).toEqual([
      "suite s: every sample errored; the first: 400 model 'nope' not found (request req_fake_0)",
    ]);
  });
});
