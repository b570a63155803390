import { createHttpFetch } from './http-fetch.js';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { OpenAITargetSpec } from '../config/schema.js';
import type { TargetOutput, ToolCall } from '../results/types.js';
import { envReferences, resolveEnv } from './env.js';
import {
  abortError,
  connectionError,
  headerRecord,
  snippet,
  startDeadline,
  statusError,
  type Deadline,
} from './failures.js';
import { loadModelConfig } from './model-config.js';
import { normalizeUsage, parseArguments, ShapeError } from './normalize.js';
import { sampleSeed } from './seed.js';
import { chatRequest, loadPrompt } from './template.js';
import { existingFile, isHttpUrl, type TargetContext } from './context.js';
import {
  TargetError,
  type InvokeOptions,
  type InvokeResult,
  type PreparedRequest,
  type Target,
} from './types.js';

/**
 * Any OpenAI-compatible Chat Completions endpoint, through the official SDK.
 *
 * The prepared request is exactly the `chat.completions.create` params, so the cache key
 * covers everything the model sees. The API key and custom headers (often credentials, such
 * as Azure's `api-key`) live only in the client, never in the prepared request: that is
 * hashed into the cache key and may be written to disk.
 */
export function createOpenAITarget(name: string, spec: OpenAITargetSpec, ctx: TargetContext): OpenAITarget {
  const field = (key: string) => ['targets', name, key];
  const promptFile = existingFile(ctx, spec.prompt, field('prompt'));
  const modelFile = existingFile(ctx, spec.model, field('model'));

  const modelConfig = loadModelConfig(modelFile);
  const prompt = loadPrompt(promptFile, { displayRoot: ctx.rootDir });
  const { model, body } = chatRequest(modelConfig, prompt);

  const apiKey = ctx.env[spec.apiKeyEnv];
  if (apiKey === undefined || apiKey === '') {
    throw ctx.fail(
      field('apiKeyEnv'),
      `environment variable ${spec.apiKeyEnv} is not set (it holds the API key; servers that take no key accept any value)`,
    );
  }
  const missing = (key: (string | number)[]) => (variable: string) =>
    ctx.fail(key, `environment variable ${variable} is not set`);
  const baseURL =
    spec.baseURL !== undefined
      ? resolveEnv(spec.baseURL, ctx.env, missing(field('baseURL')))
      : ctx.env.OPENAI_BASE_URL;
  if (baseURL !== undefined && !isHttpUrl(baseURL)) {
    // Never echo the value: it came from the environment and may embed credentials.
    throw ctx.fail(
      field('baseURL'),
      spec.baseURL !== undefined ? 'not a valid http(s) URL' : 'OPENAI_BASE_URL is not a valid http(s) URL',
    );
  }
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.headers ?? {})) {
    try {
      envReferences(value);
    } catch (e) {
      throw ctx.fail(['targets', name, 'headers', key], (e as Error).message);
    }
    headers[key] = resolveEnv(value, ctx.env, missing(['targets', name, 'headers', key]));
  }

  // Every option is explicit: left out, the SDK would read OPENAI_BASE_URL, OPENAI_ORG_ID,
  // OPENAI_LOG and friends from process.env behind the injected env's back.
  const client = new OpenAI({
    apiKey,
    adminAPIKey: null,
    baseURL: baseURL ?? null,
    organization: ctx.env.OPENAI_ORG_ID ?? null,
    project: ctx.env.OPENAI_PROJECT_ID ?? null,
    webhookSecret: null,
    defaultHeaders: headers,
    // The runner owns retries and rate limiting; SDK retries would hide 429s from it and
    // multiply the real request count.
    maxRetries: 0,
    logLevel: 'off',
    fetch: createHttpFetch(),
  });

  // A configured seed is the base of each sample's own (seed.ts): repeats are real samples.
  const params = { ...modelConfig, ...prompt.params };
  const baseSeed = typeof params.seed === 'number' ? params.seed : undefined;
  return {
    name,
    client,
    info: { kind: 'openai', model },
    // Greedy decoding: no seed makes two samples differ.
    deterministic: params.temperature === 0,
    prepare(input): PreparedRequest {
      // The body the plan renders too (chatRequest), so plan and cache agree; then the sample's seed.
      const request = body(input.vars);
      if (baseSeed === undefined) return { target: name, kind: 'openai', body: request };
      const seed = sampleSeed(baseSeed, input.sample);
      return { target: name, kind: 'openai', body: { ...request, seed }, seed };
    },
    async invoke(request, options) {
      return invokeChat(client, request.body as ChatCompletionCreateParamsNonStreaming, options);
    },
  };
}

/** An openai target, with the client it sends through (the Batch API runs use it: src/runner/batch/). */
export interface OpenAITarget extends Target {
  readonly client: OpenAI;
}

export async function invokeChat(
  client: OpenAI,
  body: ChatCompletionCreateParamsNonStreaming,
  { signal, timeoutMs }: InvokeOptions,
): Promise<InvokeResult> {
  // Our own deadline, not only the SDK's `timeout`: the SDK's timer stops once headers
  // arrive, and a server that stalls mid-body must still time out.
  const deadline = startDeadline(signal, timeoutMs);
  const pending = client.chat.completions.create(body, {
    signal: deadline.signal,
    timeout: Math.max(1, Math.ceil(timeoutMs)),
  });
  let data: unknown;
  let response: Response;
  try {
    ({ data, response } = await pending.withResponse());
  } catch (error) {
    throw await classify(error, pending, deadline, signal, timeoutMs);
  } finally {
    deadline.clear();
  }
  const headers = headerRecord(response.headers);
  try {
    return { output: readCompletion(data, headers), headers };
  } catch (e) {
    if (e instanceof TargetError) {
      throw new TargetError(e.kind, e.message, { ...e.options, status: response.status, headers });
    }
    throw e;
  }
}

async function classify(
  error: unknown,
  pending: { asResponse(): Promise<Response> },
  deadline: Deadline,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<TargetError> {
  if (error instanceof TargetError) return error;
  if (error instanceof APIUserAbortError || (deadline.signal.aborted && isAbort(error))) {
    return abortError(deadline, signal, timeoutMs);
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new TargetError('timeout', `no response within ${timeoutMs} ms`, { retryable: true });
  }
  if (error instanceof APIConnectionError) return connectionError(error.cause ?? error);
  if (error instanceof APIError && typeof error.status === 'number') {
    const headers = headerRecord(error.headers);
    const id = error.requestID ? ` (request ${error.requestID})` : '';
    return statusError(error.status, headers, `${error.message}${id}`);
  }
  if (error instanceof SyntaxError) {
    // A 200 whose body was cut short or is not JSON: usually a proxy or an overloaded
    // server, so worth another try. The response (headers) was already received.
    const response = await pending.asResponse().catch(() => undefined);
    return new TargetError('malformed', `response body is not valid JSON: ${error.message}`, {
      retryable: true,
      ...(response && { status: response.status, headers: headerRecord(response.headers) }),
    });
  }
  if (isAbort(error)) return abortError(deadline, signal, timeoutMs);
  if (error instanceof TypeError) return connectionError(error);
  return new TargetError('unknown', error instanceof Error ? error.message : String(error));
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/** Reads a completion defensively: "compatible" servers differ in what they leave out. */
export function readCompletion(data: unknown, headers: Record<string, string>): TargetOutput {
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    const type = headers['content-type'] ?? 'none';
    const got =
      typeof data === 'string'
        ? `content-type ${type}: ${snippet(data, 120)}`
        : snippet(String(JSON.stringify(data)), 120);
    return malformed(`expected a JSON object, got ${got}`);
  }
  const completion = data as Record<string, unknown>;
  const choices = completion.choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    throw new TargetError('empty', 'the response has no choices', { retryable: false });
  }
  const choice = choices[0] as Record<string, unknown> | null;
  const message = choice?.message as Record<string, unknown> | null | undefined;
  if (!message || typeof message !== 'object') {
    throw new TargetError('empty', 'the first choice has no message', { retryable: false });
  }

  const toolCalls = readToolCalls(message.tool_calls);
  const content = typeof message.content === 'string' ? message.content : undefined;
  // A refusal is the model's answer: the refusal detector and graders should see it.
  const refusal = typeof message.refusal === 'string' ? message.refusal : undefined;
  let usage;
  try {
    usage = normalizeUsage(completion.usage, 'usage');
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
  }
  // Servers without an x-request-id header (llama.cpp, vLLM, Ollama) still id the completion.
  const requestId =
    headers['x-request-id'] ?? (completion as { _request_id?: unknown })._request_id ?? completion.id;
  const output: TargetOutput = { output: content ?? refusal ?? '' };
  if (toolCalls.length > 0) output.toolCalls = toolCalls;
  if (usage) output.usage = usage;
  if (typeof completion.model === 'string') output.model = completion.model;
  if (typeof choice?.finish_reason === 'string') output.finishReason = choice.finish_reason;
  if (typeof completion.system_fingerprint === 'string')
    output.systemFingerprint = completion.system_fingerprint;
  if (typeof requestId === 'string' && requestId) output.requestId = requestId;
  return output;
}

function malformed(message: string): never {
  throw new TargetError('malformed', message, { retryable: true });
}

function readToolCalls(raw: unknown): ToolCall[] {
  if (!Array.isArray(raw)) return [];
  const calls: ToolCall[] = [];
  for (const item of raw as Record<string, unknown>[]) {
    const fn = (item?.function ?? item?.custom) as Record<string, unknown> | undefined;
    if (!fn || typeof fn.name !== 'string') continue;
    const args = fn.arguments ?? fn.input;
    calls.push({
      name: fn.name,
      arguments: typeof args === 'string' ? parseArguments(args) : (args ?? {}),
      ...(typeof item.id === 'string' && { id: item.id }),
    });
  }
  return calls;
}
