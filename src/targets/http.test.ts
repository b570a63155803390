import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, formatField } from '../config/errors.js';
import { HttpTargetSchema } from '../config/schema.js';
import { createTarget } from './index.js';
import { sampleSeed } from './seed.js';
import { TargetError, type Target } from './types.js';

/** The team's app, played by a loopback server: `/<scenario>` picks the answer. */
interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
const received: Received[] = [];
let app: Server;
let base: string;

const scenarios: Record<
  string,
  { status?: number; headers?: Record<string, string>; body: string } | 'hang'
> = {
  '/ask': {
    body: JSON.stringify({
      data: {
        answer: 'Refunds take 5 days.',
        sources: [
          { doc: { id: 'kb-12' }, chunk: 'Refunds are processed within 5 business days.' },
          { doc: { id: 7 }, chunk: 'Contact support for help.' },
        ],
        cited: [{ id: 'kb-12' }, 'kb-3'],
        trace: [
          { function: { name: 'search_kb', arguments: '{"query":"refund"}' } },
          { name: 'format', arguments: { style: 'short' } },
        ],
        usage: { input_tokens: 120, output_tokens: 9 },
      },
    }),
    headers: { 'x-ratelimit-remaining-requests': '41' },
  },
  '/structured': { body: JSON.stringify({ output: { label: 'spam', score: 0.9 } }) },
  '/html': { body: '<html>Bad gateway</html>', headers: { 'content-type': 'text/html' } },
  '/wrong-shape': { body: JSON.stringify({ result: 'x', meta: {} }) },
  '/limited': { status: 429, body: '{"error":"slow down"}', headers: { 'retry-after': '3' } },
  '/down': { status: 503, body: 'upstream unavailable' },
  '/missing': { status: 404, body: 'no such route' },
  '/hang': 'hang',
};

beforeAll(async () => {
  app = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      });
      const scenario = scenarios[new URL(req.url!, 'http://x').pathname];
      if (scenario === 'hang') return;
      if (!scenario) {
        res.writeHead(500).end('unknown scenario');
        return;
      }
      res.writeHead(scenario.status ?? 200, { 'content-type': 'application/json', ...scenario.headers });
      res.end(scenario.body);
    });
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

afterAll(async () => {
  app.closeAllConnections();
  await new Promise((resolve) => app.close(resolve));
});

const fail = (field: (string | number)[], message: string) =>
  new ConfigError(message, { file: 'evalgate.yml', field: formatField(field) });

function target(spec: Record<string, unknown>, env: Record<string, string> = {}): Target {
  const parsed = HttpTargetSchema.parse({ type: 'http', ...spec });
  return createTarget('app', parsed, { rootDir: '/', env: { APP_URL: base, ...env }, fail });
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
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('http target', () => {
  it('templates the request, keeps secrets out of the prepared request, and extracts by path', async () => {
    const app = target(
      {
        url: '${env:APP_URL}/ask?user={{ user }}',
        headers: {
          Authorization: 'Bearer ${env:APP_TOKEN}',
          'X-Tenant': '{{ tenant }}',
          'X-Api-Key': 'literal-key',
        },
        body: {
          question: '{{ question }}',
          filters: '{{ filters }}',
          k: '{{ k }}',
          prompt: 'Q: {{ question }}',
        },
        extract: {
          output: 'data.answer',
          contexts: 'data.sources',
          contextId: 'doc.id',
          contextText: 'chunk',
          citations: 'data.cited',
          toolCalls: 'data.trace',
          usage: 'data.usage',
        },
      },
      { APP_TOKEN: 'tok-secret-123' },
    );
    const request = app.prepare(
      input({ user: 'a b&c', tenant: 'acme', question: 'refund?', filters: { lang: 'en' }, k: 3 }),
    );
    expect(request).toEqual({
      target: 'app',
      kind: 'http',
      body: {
        method: 'POST',
        // The env reference stays a reference: its value is filled in only when sending.
        url: '${env:APP_URL}/ask?user=a%20b%26c',
        headers: { 'X-Tenant': 'acme' },
        body: { question: 'refund?', filters: { lang: 'en' }, k: 3, prompt: 'Q: refund?' },
      },
      // Sent as x-evalgate-sample-index / x-evalgate-seed; sample 0 has the base seed, 0.
      sample: 0,
      seed: 0,
    });
    expect(JSON.stringify(request)).not.toContain('tok-secret-123');
    expect(JSON.stringify(request)).not.toContain('literal-key');

    const result = await app.invoke(request, options());
    expect(result.output).toEqual({
      output: 'Refunds take 5 days.',
      contexts: [
        { id: 'kb-12', text: 'Refunds are processed within 5 business days.' },
        { id: '7', text: 'Contact support for help.' },
      ],
      citations: ['kb-12', 'kb-3'],
      toolCalls: [
        { name: 'search_kb', arguments: { query: 'refund' } },
        { name: 'format', arguments: { style: 'short' } },
      ],
      usage: { prompt: 120, completion: 9, total: 129 },
    });
    expect(result.headers).toMatchObject({ 'x-ratelimit-remaining-requests': '41' });

    const sent = received.at(-1)!;
    expect(sent.url).toBe('/ask?user=a%20b%26c');
    expect(sent.headers.authorization).toBe('Bearer tok-secret-123');
    expect(sent.headers['x-api-key']).toBe('literal-key');
    expect(sent.headers['x-tenant']).toBe('acme');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent.body)).toEqual(request.body && (request.body as { body: unknown }).body);
    // Which sample, and its seed, so an app that samples can make repeats real samples.
    expect(sent.headers['x-evalgate-sample-index']).toBe('0');
    expect(sent.headers['x-evalgate-seed']).toBe('0');
    const third = app.prepare({
      ...input({ user: 'u', tenant: 't', question: 'q', filters: {}, k: 1 }),
      sample: 2,
    });
    await app.invoke(third, options());
    expect(received.at(-1)!.headers['x-evalgate-sample-index']).toBe('2');
    expect(received.at(-1)!.headers['x-evalgate-seed']).toBe(String(sampleSeed(0, 2)));
  });

  it('keeps structured output as JSON text and uses GET without a body', async () => {
    const app = target({ url: '${env:APP_URL}/structured?q={{ q }}', method: 'GET' });
    const { output } = await app.invoke(app.prepare(input({ q: 'x' })), options());
    expect(output.output).toBe('{"label":"spam","score":0.9}');
    expect(received.at(-1)).toMatchObject({ method: 'GET', body: '' });
  });

  it('maps a non-JSON body to a retryable malformed error, and a missing output path to a non-retryable one', async () => {
    const html = target({ url: '${env:APP_URL}/html' });
    const notJson = await failure(html.invoke(html.prepare(input({})), options()));
    expect(notJson).toMatchObject({ kind: 'malformed', retryable: true });
    expect(notJson.message).toContain('content-type text/html');

    const shape = target({ url: '${env:APP_URL}/wrong-shape', extract: { output: 'data.answer' } });
    const missing = await failure(shape.invoke(shape.prepare(input({})), options()));
    expect(missing).toMatchObject({ kind: 'malformed', retryable: false });
    expect(missing.message).toBe(
      "POST ${env:APP_URL}/wrong-shape: no output at 'data.answer' in the response (top-level keys: result, meta)",
    );
  });

  it('maps 429, 5xx and 404 like every other target', async () => {
    const errors = await Promise.all(
      ['/limited', '/down', '/missing'].map((path) => {
        const app = target({ url: `\${env:APP_URL}${path}` });
        return failure(app.invoke(app.prepare(input({})), options()));
      }),
    );
    expect(errors.map((e) => [e.kind, e.options.status, e.retryable, e.options.retryAfterMs])).toEqual([
      ['rate_limit', 429, true, 3000],
      ['http', 503, true, undefined],
      ['http', 404, false, undefined],
    ]);
    expect(errors[1]!.message).toBe('POST ${env:APP_URL}/down: HTTP 503: upstream unavailable');
  });

  it('times out via the deadline and reports refused connections', async () => {
    const app = target({ url: '${env:APP_URL}/hang' });
    const started = Date.now();
    const timeout = await failure(app.invoke(app.prepare(input({})), options(200)));
    expect(timeout).toMatchObject({ kind: 'timeout', retryable: true });
    // The server never answers, so any end is the deadline's; the bound only says it did not
    // wait for something else (a retry, a socket timeout), with room for a busy machine.
    expect(Date.now() - started).toBeLessThan(15_000);

    const refused = target({ url: 'http://127.0.0.1:1/x' });
    expect(await failure(refused.invoke(refused.prepare(input({})), options()))).toMatchObject({
      kind: 'connection',
      retryable: true,
    });
  });

  it('reports config problems at their field, before any request', () => {
    expect(configError(() => target({ url: '${env:NOPE}/x' }))).toMatchObject({
      message: 'environment variable NOPE is not set',
      location: { field: 'targets.app.url' },
    });
    expect(configError(() => target({ url: 'not a url {{ q }}' })).location?.field).toBe('targets.app.url');
    expect(
      configError(() => target({ url: '${env:APP_URL}', method: 'GET', body: { a: 1 } })).location?.field,
    ).toBe('targets.app.body');
    expect(
      configError(() => target({ url: '${env:APP_URL}', body: { q: ['{{ ok }}', '{{ bad'] } })).location
        ?.field,
    ).toBe('targets.app.body.q[1]');
    expect(
      configError(() => target({ url: '${env:APP_URL}', extract: { output: 'a..b' } })).location?.field,
    ).toBe('targets.app.extract.output');
    expect(
      configError(() => target({ url: '${env:APP_URL}', headers: { 'X-Sig': '${env:APP_URL}-{{ id }}' } }))
        .message,
    ).toContain('cannot also use {{ variables }}');
    const missingVar = configError(() =>
      target({ url: '${env:APP_URL}', body: { q: '{{ question }}' } }).prepare(input({})),
    );
    expect(missingVar.message).toBe("missing variable 'question' used in targets.app.body.q");
  });
});
