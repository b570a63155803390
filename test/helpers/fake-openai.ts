/**
 * A local OpenAI-compatible Chat Completions server for tests and `npm run bench`.
 *
 * A real HTTP server on 127.0.0.1, so the official SDK, undici's connection pool and our error
 * mapping are exercised end to end, with no module mocks. Only `node:` imports and erasable
 * TypeScript (no enums, namespaces or parameter properties): the benchmark loads this file
 * directly with Node's type stripping.
 *
 * Every request can be scripted: status, headers, latency, body, or a failure (hang, reset,
 * malformed JSON, no choices). Unscripted requests get `echo: <last user message>`.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeToolCall {
  name: string;
  /** Sent as a JSON string; a string is sent as it is (so tests can send invalid JSON). */
  arguments?: unknown;
  id?: string;
}

export interface FakeUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

export interface Reply {
  /** Overrides the server-wide latency for this request. */
  latencyMs?: number;
  status?: number;
  /**
   * Extra response headers, e.g. `retry-after-ms`, `x-ratelimit-remaining-requests`. An undefined
   * one is left out, defaults included: `{ 'x-request-id': undefined }` answers as llama.cpp does.
   */
  headers?: Record<string, string | number | undefined>;
  /** The whole response body, as JSON. */
  json?: unknown;
  /** The whole response body, verbatim (e.g. truncated JSON). Sent as application/json. */
  raw?: string;
  /** Assistant text; `null` for a tool-call-only message. */
  content?: string | null;
  toolCalls?: FakeToolCall[];
  usage?: FakeUsage;
  finishReason?: string;
  model?: string;
  /** Never answer: the client must time out. */
  hang?: boolean;
  /** Destroy the socket instead of answering: the client sees a connection reset. */
  reset?: boolean;
  /** Answer 200 with `choices: []`. */
  emptyChoices?: boolean;
}

/** The request body as the SDK sends it; loosely typed because tests read arbitrary fields. */
export interface ChatBody {
  model?: string;
  messages?: { role: string; content?: unknown }[];
  [key: string]: unknown;
}

export interface FakeRequest {
  /** 0-based: the index of this request in `requests`. */
  n: number;
  body: ChatBody;
  headers: IncomingHttpHeaders;
}

export interface RecordedRequest {
  body: ChatBody;
  headers: IncomingHttpHeaders;
  /** Date.now() when the request body had arrived. */
  at: number;
}

export interface FakeOpenAIOptions {
  /** Delay before every answer, in ms (default 0). */
  latencyMs?: number;
  script?: (req: FakeRequest) => Reply | undefined;
}

export interface FakeOpenAI {
  /** Base URL for the SDK, ending with `/v1`. */
  url: string;
  requests: RecordedRequest[];
  /** Most requests being answered at once: what concurrency the client really achieved. */
  readonly maxInFlight: number;
  /** TCP connections opened: with keep-alive this stays near the client's concurrency. */
  readonly connections: number;
  close(): Promise<void>;
}

const COMPLETIONS_PATH = '/v1/chat/completions';

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let inFlight = 0;
  let maxInFlight = 0;
  let connections = 0;

  const answer = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== COMPLETIONS_PATH) {
      send(
        res,
        404,
        {},
        errorBody(`Unknown request URL: ${req.method} ${path}`, 'invalid_request_error', 'unknown_url'),
      );
      return;
    }
    let body: ChatBody;
    try {
      body = JSON.parse(raw.toString('utf8')) as ChatBody;
    } catch {
      send(
        res,
        400,
        {},
        errorBody('We could not parse the JSON body of your request.', 'invalid_request_error', null),
      );
      return;
    }
    const n = requests.length;
    requests.push({ body, headers: req.headers, at: Date.now() });

    let reply: Reply;
    try {
      reply = options.script?.({ n, body, headers: req.headers }) ?? {};
    } catch (error) {
      send(
        res,
        500,
        {},
        errorBody(`fake-openai script threw: ${(error as Error).message}`, 'server_error', null),
      );
      return;
    }

    inFlight++;
    if (inFlight > maxInFlight) maxInFlight = inFlight;
    res.once('close', () => inFlight--);
    if (reply.hang) return;

    const latency = reply.latencyMs ?? options.latencyMs ?? 0;
    if (latency <= 0) respond(req, res, n, body, reply, latency);
    else {
      const timer = setTimeout(() => {
        timers.delete(timer);
        respond(req, res, n, body, reply, latency);
      }, latency);
      timers.add(timer);
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
  });
  // Longer than undici's 4 s client keep-alive, so the client, not the server, retires idle
  // sockets and never sends on one the server is closing.
  server.keepAliveTimeout = 65_000;
  server.on('connection', () => connections++);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    get connections() {
      return connections;
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      // Hanging requests and idle keep-alive sockets would otherwise hold close() open.
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function respond(
  req: IncomingMessage,
  res: ServerResponse,
  n: number,
  body: ChatBody,
  reply: Reply,
  latencyMs: number,
): void {
  if (res.destroyed) return;
  if (reply.reset) {
    req.socket.destroy();
    return;
  }
  const status = reply.status ?? 200;
  const headers: Record<string, string | number> = {
    'x-request-id': `req_fake_${n}`,
    'openai-processing-ms': latencyMs,
  };
  if (reply.headers)
    for (const [key, value] of Object.entries(reply.headers)) {
      if (value === undefined) delete headers[key];
      else headers[key] = value;
    }
  if (reply.raw !== undefined) send(res, status, headers, reply.raw);
  else if (reply.json !== undefined) send(res, status, headers, JSON.stringify(reply.json));
  else if (status >= 400) send(res, status, headers, defaultError(status));
  else send(res, status, headers, JSON.stringify(completion(n, body, reply)));
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | number>,
  text: string,
): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** The chat.completion object the server answers `body` with (the batch server answers with it too). */
export function completion(n: number, body: ChatBody, reply: Reply): unknown {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const toolCalls = reply.toolCalls?.map((call, i) => ({
    id: call.id ?? `call_fake_${n}_${i}`,
    type: 'function',
    function: {
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments ?? {}),
    },
  }));
  const content =
    reply.content !== undefined ? reply.content : toolCalls ? null : `echo: ${lastUserText(messages)}`;

  // Roughly what a tokenizer would say: ~4 characters a token plus per-message framing.
  let promptChars = 0;
  for (const m of messages) promptChars += textOf(m.content).length;
  const promptTokens = Math.ceil(promptChars / 4) + 4 * messages.length + 3;
  let completionChars = content?.length ?? 0;
  for (const call of toolCalls ?? [])
    completionChars += call.function.name.length + call.function.arguments.length;
  const completionTokens = Math.max(1, Math.ceil(completionChars / 4));
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
    ...reply.usage,
  };
  if (reply.usage && reply.usage.total_tokens === undefined)
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;

  return {
    id: `chatcmpl-fake${n}`,
    object: 'chat.completion',
    created: 1_700_000_000 + n,
    model: reply.model ?? body.model ?? 'fake-model',
    system_fingerprint: 'fp_fake0001',
    choices: reply.emptyChoices
      ? []
      : [
          {
            index: 0,
            message: {
              role: 'assistant',
              content,
              refusal: null,
              ...(toolCalls && { tool_calls: toolCalls }),
            },
            logprobs: null,
            finish_reason: reply.finishReason ?? (toolCalls ? 'tool_calls' : 'stop'),
          },
        ],
    usage,
  };
}

function lastUserText(messages: { role: string; content?: unknown }[]): string {
  for (let i = messages.length - 1; i >= 0; i--)
    if (messages[i]!.role === 'user') return textOf(messages[i]!.content);
  return '';
}

/** Message content is a string or a list of parts; only text parts count here. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) if (part && typeof part.text === 'string') text += part.text;
  return text;
}

function errorBody(message: string, type: string, code: string | null): string {
  return JSON.stringify({ error: { message, type, param: null, code } });
}

function defaultError(status: number): string {
  if (status === 429)
    return errorBody('Rate limit reached for requests (fake).', 'requests', 'rate_limit_exceeded');
  if (status >= 500)
    return errorBody('The server had an error while processing your request (fake).', 'server_error', null);
  return errorBody(`Request failed with status ${status} (fake).`, 'invalid_request_error', null);
}
