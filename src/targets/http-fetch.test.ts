import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI } from '../../test/helpers/fake-openai.js';
import { createHttpFetch } from './http-fetch.js';

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
