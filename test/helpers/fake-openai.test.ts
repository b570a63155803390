import { describe, expect, it } from 'vitest';
import { startFakeOpenAI } from './fake-openai.js';

describe('fake OpenAI server', () => {
  it('answers chat completions with an echo and 404s anything else, OpenAI-style', async () => {
    const fake = await startFakeOpenAI();
    try {
      const ok = await fetch(`${fake.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'm',
          messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
        }),
      });
      expect(ok.headers.get('x-request-id')).toBe('req_fake_0');
      const body = (await ok.json()) as {
        choices: { message: { content: string } }[];
        usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
      };
      expect(body.choices[0]!.message.content).toBe('echo: hi');
      expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);

      const missing = await fetch(`${fake.url}/models`);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('unknown_url');
      expect(fake.requests).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });

  it('keeps connections alive under concurrency, and close() ends hanging requests', async () => {
    const fake = await startFakeOpenAI({
      // Long enough that all 8 workers' requests are in flight together even on a busy machine.
      latencyMs: 50,
      script: ({ n }) => (n === 200 ? { hang: true } : undefined),
    });
    const call = () =>
      fetch(`${fake.url}/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }),
      }).then((r) => r.json());
    let next = 0;
    const worker = async () => {
      while (next < 200) {
        next++;
        await call();
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(fake.maxInFlight).toBe(8);
    expect(fake.connections).toBeLessThan(40);
    const hanging = call().catch((e: Error) => e);
    await expect.poll(() => fake.requests.length, { timeout: 20_000 }).toBe(201);
    await fake.close();
    expect(await hanging).toBeInstanceOf(Error);
  });
});
