import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../test/helpers/fake-openai.js';
import { BufferedHeaders, BufferedResponse, createHttpFetch } from './http-fetch.js';

describe('createHttpFetch', () => {
  let server: Awaited<ReturnType<typeof startFakeOpenAI>>;
  beforeAll(async () => {
    server = await startFakeOpenAI({ latencyMs: 5 });
  });
  afterAll(() => server.close());

  it('serves the openai SDK and keeps connections alive: no more sockets than requests in flight', async () => {
    const client = new OpenAI({ baseURL: server.url, apiKey: 'k', maxRetries: 0, fetch: createHttpFetch() });
    const before = server.connections;
    let n = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (n < 200) {
          n++;
          const { data, response } = await client.chat.completions
            .create({ model: 'm', messages: [{ role: 'user', content: `q${n}` }] })
            .withResponse();
          expect(data.choices[0]!.message.content).toMatch(/^echo: q\d+$/);
          expect(response.headers.get('x-request-id')).toBeTruthy();
        }
      }),
    );
    expect(server.connections - before).toBeLessThanOrEqual(8);
  });

  it('rejects with the signal reason when aborted mid-request', async () => {
    const slow = await startFakeOpenAI({ script: () => ({ hang: true }) });
    try {
      const f = createHttpFetch();
      const ctrl = new AbortController();
      const pending = f(`${slow.url}/chat/completions`, { method: 'POST', body: '{}', signal: ctrl.signal });
      setTimeout(() => ctrl.abort(new DOMException('too slow', 'TimeoutError')), 20);
      await expect(pending).rejects.toMatchObject({ name: 'TimeoutError' });
    } finally {
      await slow.close();
    }
  });

  it('reports a refused connection as fetch does: TypeError with the cause', async () => {
    const f = createHttpFetch();
    await expect(
      f('http://127.0.0.1:9/v1/chat/completions', { method: 'POST', body: '{}' }),
    ).rejects.toMatchObject({
      name: 'TypeError',
      cause: { code: 'ECONNREFUSED' },
    });
  });
});

describe('BufferedResponse', () => {
  it("reads headers as fetch's Headers does: any case, repeats joined, iterated in name order", async () => {
    const raw = ['X-Request-Id', 'req_1', 'Content-Type', 'application/json', 'Vary', 'a', 'vary', 'b'];
    const ours = new BufferedHeaders(raw);
    const fetchs = new Headers();
    for (let i = 0; i < raw.length; i += 2) fetchs.append(raw[i]!, raw[i + 1]!);
    expect([...ours]).toEqual([...fetchs]);
    expect(ours.get('x-REQUEST-id')).toBe('req_1');
    expect(ours.get('vary')).toBe('a, b');
    expect(ours.get('retry-after')).toBeNull();
    expect(ours.has('Content-Type')).toBe(true);
    const seen: string[] = [];
    ours.forEach((value, name) => seen.push(`${name}=${value}`));
    expect(seen).toEqual(['content-type=application/json', 'vary=a, b', 'x-request-id=req_1']);
    expect([...ours.keys()]).toEqual([...fetchs.keys()]);
    expect([...ours.values()]).toEqual([...fetchs.values()]);
  });

  it('decodes the body as Response does (UTF-8, byte-order mark dropped) and reads it once', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('{"a":"é"}'),
      Buffer.from([0xff]),
    ]);
    const ours = new BufferedResponse('http://x/', 200, 'OK', new BufferedHeaders([]), bytes);
    const theirs = new Response(bytes);
    expect(await ours.clone().text()).toBe(await theirs.clone().text());
    const json = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"é"}')]);
    expect(await new BufferedResponse('http://x/', 200, '', new BufferedHeaders([]), json).json()).toEqual(
      await new Response(json).json(),
    );
    expect(ours.ok).toBe(true);
    expect(ours.bodyUsed).toBe(false);
    await ours.text();
    expect(ours.bodyUsed).toBe(true);
    await expect(ours.text()).rejects.toThrow(TypeError);
    await expect(ours.json()).rejects.toThrow(TypeError);
    expect(() => ours.clone()).toThrow(TypeError);
  });

  it('is not ok outside 2xx and has an empty text without a body', async () => {
    const none = new BufferedResponse('http://x/', 204, 'No Content', new BufferedHeaders([]), null);
    expect(none.ok).toBe(true);
    expect(await none.text()).toBe('');
    const bad = new BufferedResponse(
      'http://x/',
      503,
      'Service Unavailable',
      new BufferedHeaders([]),
      Buffer.from('x'),
    );
    expect(bad.ok).toBe(false);
    expect(new Uint8Array(await bad.arrayBuffer())).toEqual(new Uint8Array([0x78]));
  });
});
