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
 * handed to the SDK as a `BufferedResponse`: the part of `Response` the SDK and evalgate read
 * (status, ok, headers, text, json), since building a WHATWG `Response` and `Headers` cost
 * another ~0.1 ms of CPU per request (profiled at concurrency 128, README "Performance").
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
            const status = res.statusCode ?? 502;
            // A Response cannot carry a body on 204/304.
            const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(
              new BufferedResponse(
                url.href,
                status,
                res.statusMessage ?? '',
                new BufferedHeaders(res.rawHeaders),
                body,
              ) as unknown as Response,
            );
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

/**
 * Response headers as fetch's `Headers` presents them, read-only: names lower-cased, repeats
 * joined with ", " (set-cookie too: evalgate never reads it), iterated in name order.
 */
export class BufferedHeaders {
  private readonly map = new Map<string, string>();
  private sorted: [string, string][] | undefined;

  constructor(rawHeaders: readonly string[]) {
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toLowerCase();
      const value = rawHeaders[i + 1]!.trim();
      const prior = this.map.get(name);
      this.map.set(name, prior === undefined ? value : `${prior}, ${value}`);
    }
  }

  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }

  forEach(callback: (value: string, name: string, headers: BufferedHeaders) => void): void {
    for (const [name, value] of this.entries()) callback(value, name, this);
  }

  entries(): IterableIterator<[string, string]> {
    this.sorted ??= [...this.map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return this.sorted[Symbol.iterator]();
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

/** A fully received response: what the SDK reads of a fetch `Response`. */
export class BufferedResponse {
  readonly ok: boolean;
  readonly redirected = false;
  readonly type = 'basic';
  /** Never a stream: the body was received whole. */
  readonly body = null;
  private used = false;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    readonly headers: BufferedHeaders,
    private readonly bytes: Buffer | null,
  ) {
    this.ok = status >= 200 && status <= 299;
  }

  get bodyUsed(): boolean {
    return this.used;
  }

  text(): Promise<string> {
    if (this.used) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
    this.used = true;
    const text = this.bytes ? this.bytes.toString('utf8') : '';
    // As fetch decodes: UTF-8, a byte-order mark dropped, invalid bytes replaced.
    return Promise.resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    if (this.used) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
    this.used = true;
    const b = this.bytes ?? Buffer.alloc(0);
    return Promise.resolve(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }

  clone(): BufferedResponse {
    if (this.used) throw new TypeError('Response.clone: Body has already been consumed.');
    return new BufferedResponse(this.url, this.status, this.statusText, this.headers, this.bytes);
  }
}
