import type * as Http from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';

// Through require, not import: the ESM facade of node:http reads every export, and one of
// them loads Node's bundled undici (~40 ms) before evalgate has sent its first request.
const require = createRequire(import.meta.url);
const http = require('node:http') as typeof Http;
const https = require('node:https') as typeof Https;

/**
 * A `fetch` for the openai SDK over node:http with a keep-alive agent.
 *
 * Why not the global fetch: measured with `npm run bench`'s server (5,000 chat completions at
 * concurrency 32), Node's fetch (undici with WHATWG streams) spent ~0.9 ms of CPU per request
 * against ~0.65 ms for this, and opened about twice as many connections as requests in
 * flight. At the benchmark's rate that CPU is the difference between meeting 1.15× of the
 * ideal wall time and not. Responses are buffered (evalgate never streams completions), then
 * handed to the SDK as a standard `Response`.
 *
 * Failures look like the global fetch's, so the SDK and our error mapping treat them alike:
 * an abort rejects with the signal's reason (an AbortError/TimeoutError), a network error
 * with `TypeError('fetch failed', { cause })`.
 */
export function createHttpFetch(): typeof fetch {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }),
  };
  return ((input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
    if (!transport)
      return Promise.reject(new TypeError(`fetch failed: unsupported protocol ${url.protocol}`));
    const signal = init.signal ?? undefined;
    if (signal?.aborted) return Promise.reject(signal.reason);

    return new Promise<Response>((resolve, reject) => {
      let settled = false;
      const fail = (e: unknown) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        reject(e);
      };
      const onAbort = () => {
        req.destroy();
        fail(signal!.reason);
      };
      const req = transport.request(
        url,
        {
          method: init.method ?? 'GET',
          headers: toNodeHeaders(init.headers),
          agent: agents[url.protocol as 'http:'],
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (e) => fail(new TypeError('fetch failed', { cause: e })));
          res.on('aborted', () =>
            fail(new TypeError('fetch failed', { cause: new Error('response aborted') })),
          );
          res.on('end', () => {
            if (settled) return;
            settled = true;
            signal?.removeEventListener('abort', onAbort);
            const headers = new Headers();
            for (let i = 0; i < res.rawHeaders.length; i += 2)
              headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
            const status = res.statusCode ?? 502;
            // A Response cannot carry a body on 204/304.
            const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, statusText: res.statusMessage ?? '', headers }));
          });
        },
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (e) =>
        fail(signal?.aborted ? signal.reason : new TypeError('fetch failed', { cause: e })),
      );
      const body = init.body;
      if (body === undefined || body === null) req.end();
      else if (typeof body === 'string' || body instanceof Uint8Array) req.end(body);
      else fail(new TypeError('http-fetch: only string and byte bodies are supported'));
    });
  }) as typeof fetch;
}

function toNodeHeaders(headers: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  const entries =
    headers instanceof Headers
      ? headers.entries()
      : Array.isArray(headers)
        ? (headers as [string, string][])
        : Object.entries(headers as Record<string, string>);
  for (const [k, v] of entries) out[k] = v;
  return out;
}
