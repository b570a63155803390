import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI, type FakeOpenAIOptions } from '../../test/helpers/fake-openai.js';
import { ConfigError, ConfigErrors, formatField } from '../config/errors.js';
import { OpenAITargetSchema } from '../config/schema.js';
import { createTarget } from './index.js';
import { sampleSeed } from './seed.js';
import { TargetError, type Target } from './types.js';
import { tempDir } from '../../test/helpers/tmp.js';

const SECRET = 'sk-test-do-not-leak';

const servers: FakeOpenAI[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const s = await startFakeOpenAI(options);
  servers.push(s);
  return s;
}

const defaultFiles = {
  'prompts/qa.md': '---\ntemperature: 0.1\n---\n[system]\nAnswer briefly.\n[user]\n{{ question }}',
  'models/default.yaml': 'model: gpt-test\ntemperature: 0.7\nseed: 42\nmax_tokens: 100',
};

function project(files: Record<string, string> = defaultFiles): string {
  const root = tempDir('evalgate-openai-');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

function target(
  baseURL: string | undefined,
  spec: Record<string, unknown> = {},
  options: { root?: string; env?: Record<string, string | undefined> } = {},
): Target {
  const parsed = OpenAITargetSchema.parse({
    type: 'openai',
    apiKeyEnv: 'TEST_OPENAI_KEY',
    prompt: 'prompts/qa.md',
    model: 'models/default.yaml',
    ...(baseURL !== undefined && { baseURL }),
    ...spec,
  });
  return createTarget('llm', parsed, {
    rootDir: options.root ?? project(),
    env: options.env ?? { TEST_OPENAI_KEY: SECRET },
    fail: (field, message) => new ConfigError(message, { file: 'evalgate.yml', field: formatField(field) }),
  });
}

const input = (vars: Record<string, unknown>) => ({ suite: 's', caseId: 'c1', vars, tags: {}, sample: 0 });
const options = (timeoutMs = 5000) => ({ signal: new AbortController().signal, timeoutMs });

async function failure(promise: Promise<unknown>): Promise<TargetError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof TargetError) return e;
    throw e;
  }
  throw new Error('expected a TargetError');
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    if (e instanceof ConfigErrors) return e.errors[0]!;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('openai target', () => {
  it('sends the prepared params and records usage, cached tokens, fingerprint and request id', async () => {
    const fake = await server({
      script: () => ({
        usage: { prompt_tokens: 40, completion_tokens: 6, prompt_tokens_details: { cached_tokens: 32 } },
        headers: { 'x-ratelimit-remaining-requests': 99, 'x-ratelimit-reset-requests': '1s' },
      }),
    });
    const llm = target(
      fake.url,
      { headers: { 'X-Team': '${env:TEAM}' } },
      { env: { TEST_OPENAI_KEY: SECRET, TEAM: 'search' } },
    );
    expect(llm.info).toEqual({ kind: 'openai', model: 'gpt-test' });

    const request = llm.prepare(input({ question: 'What is 2+2?' }));
    expect(request).toEqual({
      target: 'llm',
      kind: 'openai',
      body: {
        model: 'gpt-test',
        messages: [
          { role: 'system', content: 'Answer briefly.' },
          { role: 'user', content: 'What is 2+2?' },
        ],
        // Front matter overrides the model file.
        temperature: 0.1,
        seed: 42,
        max_tokens: 100,
      },
      // Sample 0 keeps the configured seed; the Results record it.
      seed: 42,
    });
    // The cache key is a hash of this: no secret may be in it.
    expect(JSON.stringify(request)).not.toContain(SECRET);
    expect(JSON.stringify(request)).not.toContain('search');

    const result = await llm.invoke(request, options());
    expect(result.output).toEqual({
      output: 'echo: What is 2+2?',
      usage: { prompt: 40, completion: 6, total: 46, cached: 32 },
      model: 'gpt-test',
      finishReason: 'stop',
      systemFingerprint: 'fp_fake0001',
      requestId: 'req_fake_0',
    });
    expect(result.headers).toMatchObject({
      'x-ratelimit-remaining-requests': '99',
      'x-ratelimit-reset-requests': '1s',
    });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.body).toEqual(request.body);
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(fake.requests[0]!.headers['x-team']).toBe('search');
  });

  it("derives each sample's seed from the configured one, and says when it is deterministic", () => {
    const llm = target('http://127.0.0.1:9/v1');
    const seeds = [0, 1, 2, 1000].map((sample) => llm.prepare({ ...input({ question: 'q' }), sample }));
    expect(seeds.map((r) => r.seed)).toEqual([
      42,
      sampleSeed(42, 1),
      sampleSeed(42, 2),
      sampleSeed(42, 1000),
    ]);
    expect(seeds.map((r) => (r.body as { seed: number }).seed)).toEqual(seeds.map((r) => r.seed));
    expect(new Set(seeds.map((r) => r.seed)).size).toBe(4);
    for (const s of seeds.slice(1)) expect(s.seed).toBeGreaterThanOrEqual(0);
    for (const s of seeds.slice(1)) expect(s.seed).toBeLessThan(2 ** 31);
    expect(llm.deterministic).toBe(false);

    const greedy = target(
      'http://127.0.0.1:9/v1',
      {},
      {
        root: project({
          'prompts/qa.md': '[user]\n{{ question }}',
          'models/default.yaml': 'model: m\ntemperature: 0\n',
        }),
      },
    );
    expect(greedy.deterministic).toBe(true);
    const unseeded = greedy.prepare({ ...input({ question: 'q' }), sample: 3 });
    expect(unseeded.seed).toBeUndefined();
    expect(unseeded.body).not.toHaveProperty('seed');
  });

  it('records tool calls with parsed arguments, keeping unparseable ones as the raw string', async () => {
    const fake = await server({
      script: () => ({
        toolCalls: [
          { name: 'lookup_order', arguments: { id: 7 }, id: 'call_1' },
          { name: 'broken', arguments: '{"id": ' },
        ],
      }),
    });
    const { output } = await target(fake.url).invoke(
      target(fake.url).prepare(input({ question: 'where?' })),
      options(),
    );
    expect(output.output).toBe('');
    expect(output.finishReason).toBe('tool_calls');
    expect(output.toolCalls).toEqual([
      { name: 'lookup_order', arguments: { id: 7 }, id: 'call_1' },
      { name: 'broken', arguments: '{"id": ', id: 'call_fake_0_1' },
    ]);
  });

  it('maps 429 to a retryable rate_limit with the wait the server asked for, without SDK retries', async () => {
    const fake = await server({
      script: ({ n }) => ({
        status: 429,
        headers:
          n === 0 ? { 'retry-after-ms': 250, 'x-ratelimit-remaining-requests': 0 } : { 'retry-after': 2 },
      }),
    });
    const llm = target(fake.url);
    const first = await failure(llm.invoke(llm.prepare(input({ question: 'q' })), options()));
    expect(first).toMatchObject({ kind: 'rate_limit', retryable: true });
    expect(first.options).toMatchObject({
      status: 429,
      retryAfterMs: 250,
      headers: { 'x-ratelimit-remaining-requests': '0' },
    });
    expect(first.message).toContain('Rate limit reached');
    const second = await failure(llm.invoke(llm.prepare(input({ question: 'q' })), options()));
    expect(second.options.retryAfterMs).toBe(2000);
    // maxRetries: 0 — the runner, not the SDK, decides about retries.
    expect(fake.requests).toHaveLength(2);
  });

  it('retries server errors, 408 and 409, but not other client errors', async () => {
    const statuses = [500, 503, 408, 409, 400, 401, 404];
    const fake = await server({ script: ({ n }) => ({ status: statuses[n] }) });
    const llm = target(fake.url);
    const results: [number | undefined, string, boolean][] = [];
    for (const _ of statuses) {
      const error = await failure(llm.invoke(llm.prepare(input({ question: 'q' })), options()));
      results.push([error.options.status, error.kind, error.retryable]);
    }
    expect(results).toEqual([
      [500, 'http', true],
      [503, 'http', true],
      [408, 'http', true],
      [409, 'http', true],
      [400, 'http', false],
      [401, 'http', false],
      [404, 'http', false],
    ]);
    expect(fake.requests).toHaveLength(statuses.length);
  });

  it('times out a request that never gets an answer within the per-request timeout', async () => {
    const fake = await server({ script: () => ({ hang: true }) });
    const llm = target(fake.url);
    const started = Date.now();
    const error = await failure(llm.invoke(llm.prepare(input({ question: 'q' })), options(300)));
    expect(error).toMatchObject({ kind: 'timeout', retryable: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    // Not before the timeout, and not waiting for anything else; room for a busy machine.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('times out a server that sends headers and then stalls', async () => {
    const { createServer } = await import('node:http');
    const stalled = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"choices": [');
    });
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    try {
      const port = (stalled.address() as { port: number }).port;
      const llm = target(`http://127.0.0.1:${port}/v1`);
      const error = await failure(llm.invoke(llm.prepare(input({ question: 'q' })), options(300)));
      expect(error).toMatchObject({ kind: 'timeout', retryable: true });
    } finally {
      stalled.closeAllConnections();
      stalled.close();
    }
  });

  it('treats a cancelled run as a non-retryable abort', async () => {
    const fake = await server({ script: () => ({ hang: true }) });
    const llm = target(fake.url);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    // A timeout far past the abort, so a busy machine cannot make the deadline come first.
    const error = await failure(
      llm.invoke(llm.prepare(input({ question: 'q' })), { signal: controller.signal, timeoutMs: 120_000 }),
    );
    expect(error).toMatchObject({ kind: 'timeout', retryable: false, message: 'request aborted' });
  });

  it('maps a reset connection and a refused one to retryable connection errors', async () => {
    const fake = await server({ script: () => ({ reset: true }) });
    const llm = target(fake.url);
    const reset = await failure(llm.invoke(llm.prepare(input({ question: 'q' })), options()));
    expect(reset).toMatchObject({ kind: 'connection', retryable: true });

    const closed = await startFakeOpenAI();
    await closed.close();
    const refused = target(closed.url);
    const error = await failure(refused.invoke(refused.prepare(input({ question: 'q' })), options()));
    expect(error).toMatchObject({ kind: 'connection', retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('maps malformed JSON to a retryable malformed error that still carries the headers', async () => {
    const fake = await server({ script: () => ({ raw: '{"choices": [{"message": ' }) });
    const llm = target(fake.url);
    const error = await failure(llm.invoke(llm.prepare(input({ question: 'q' })), options()));
    expect(error).toMatchObject({ kind: 'malformed', retryable: true });
    expect(error.options).toMatchObject({ status: 200, headers: { 'x-request-id': 'req_fake_0' } });
  });

  it('maps a response without choices or message to a non-retryable empty error', async () => {
    const fake = await server({
      script: ({ n }) => (n === 0 ? { emptyChoices: true } : { json: { choices: [{ index: 0 }] } }),
    });
    const llm = target(fake.url);
    const none = await failure(llm.invoke(llm.prepare(input({ question: 'q' })), options()));
    expect(none).toMatchObject({ kind: 'empty', retryable: false });
    expect(none.options.headers).toMatchObject({ 'x-request-id': 'req_fake_0' });
    const noMessage = await failure(llm.invoke(llm.prepare(input({ question: 'q' })), options()));
    expect(noMessage).toMatchObject({ kind: 'empty', retryable: false });
  });

  it('sends many concurrent requests over a few kept-alive connections', async () => {
    const fake = await server({ latencyMs: 100 });
    const llm = target(fake.url);
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) => llm.invoke(llm.prepare(input({ question: `q${i}` })), options())),
    );
    expect(results.map((r) => r.output.output)).toEqual(Array.from({ length: 64 }, (_, i) => `echo: q${i}`));
    expect(fake.maxInFlight).toBeGreaterThan(1);
  });
});

describe('openai target config errors (thrown before any request)', () => {
  it('names a missing prompt or model file at its field', () => {
    const root = project({ 'models/default.yaml': 'model: m' });
    const error = configError(() => target('http://127.0.0.1:1/v1', {}, { root }));
    expect(error.message).toBe('file not found: prompts/qa.md');
    expect(error.location).toMatchObject({ file: 'evalgate.yml', field: 'targets.llm.prompt' });
    const noModel = configError(() => target('http://127.0.0.1:1/v1', { model: 'models/nope.yaml' }));
    expect(noModel.location?.field).toBe('targets.llm.model');
  });

  it('reports an unset API key or header variable by name, never a value', () => {
    const key = configError(() => target('http://127.0.0.1:1/v1', {}, { env: {} }));
    expect(key.message).toContain('TEST_OPENAI_KEY is not set');
    expect(key.location?.field).toBe('targets.llm.apiKeyEnv');
    const header = configError(() =>
      target('http://127.0.0.1:1/v1', { headers: { 'api-key': '${env:AZURE_KEY}' } }),
    );
    expect(header.message).toBe('environment variable AZURE_KEY is not set');
    expect(header.location?.field).toBe('targets.llm.headers.api-key');
  });

  it('rejects unknown or invalid model parameters with the model file line', () => {
    const root = project({
      ...defaultFiles,
      'models/default.yaml': 'model: m\ntemperature: 0.5\nstream: true\ntop_p: 7',
    });
    let caught: unknown;
    try {
      target('http://127.0.0.1:1/v1', {}, { root });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigErrors);
    const errors = (caught as ConfigErrors).errors;
    expect(errors.map((e) => [e.location?.line, e.location?.field])).toEqual([
      [3, 'stream'],
      [4, 'top_p'],
    ]);
    expect(errors[0]!.location?.file).toBe(join(root, 'models/default.yaml'));
    expect(errors[0]!.message).toMatch(
      /^unknown model parameter 'stream'; expected one of: model, temperature/,
    );
    const missingModel = configError(() =>
      target(
        'http://127.0.0.1:1/v1',
        {},
        { root: project({ ...defaultFiles, 'models/default.yaml': 'temperature: 1' }) },
      ),
    );
    expect(missingModel.message).toBe("'model' is required");
  });

  it('uses OPENAI_BASE_URL from the injected env when baseURL is not set', async () => {
    const fake = await server();
    const llm = target(undefined, {}, { env: { TEST_OPENAI_KEY: SECRET, OPENAI_BASE_URL: fake.url } });
    const { output } = await llm.invoke(llm.prepare(input({ question: 'hi' })), options());
    expect(output.output).toBe('echo: hi');
  });

  it('fails prepare with the missing variable, before any model call', () => {
    const error = configError(() => target('http://127.0.0.1:1/v1').prepare(input({ other: 1 })));
    expect(error.message).toBe("missing variable 'question' used in prompts/qa.md:7");
  });
});
