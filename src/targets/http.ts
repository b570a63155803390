import { ConfigError } from '../config/errors.js';
import type { HttpTargetSpec } from '../config/schema.js';
import type { TargetOutput } from '../results/types.js';
import { isHttpUrl, type TargetContext } from './context.js';
import { envReferences, resolveEnv, substituteEnv } from './env.js';
import {
  abortError,
  connectionError,
  headerRecord,
  snippet,
  startDeadline,
  statusError,
} from './failures.js';
import { getPath, parsePath, type PathSegment } from './json-path.js';
import {
  normalizeCitations,
  normalizeContexts,
  normalizeToolCalls,
  normalizeUsage,
  outputText,
  ShapeError,
} from './normalize.js';
import { sampleSeed, UNSEEDED_BASE } from './seed.js';
import { compileJson, compileString, type StringTemplate } from './template.js';
import { TargetError, type PreparedRequest, type Target } from './types.js';

/**
 * The team's own application over HTTP: a templated JSON request in, fields pulled out of
 * the JSON response by path.
 *
 * Secrets stay out of the prepared request (the cache key, which may be written to disk):
 * - the URL keeps its `${env:NAME}` references and they are filled in only when sending;
 *   variable values in the URL are percent-encoded, so case data can never forge a reference;
 * - headers that use `${env:…}`, or literal headers with a credential-like name, are held by
 *   the target and added when sending. Other headers can change the answer, so they stay in.
 */
export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

const CREDENTIAL_HEADER = /authorization|cookie|api-?key|token|secret|password/i;

export function createHttpTarget(name: string, spec: HttpTargetSpec, ctx: TargetContext): Target {
  const at = (...path: (string | number)[]) => ['targets', name, ...path];
  const label = `targets.${name}`;
  const missing = (field: (string | number)[]) => (variable: string) =>
    ctx.fail(field, `environment variable ${variable} is not set`);

  // ---- url
  const envValues = new Map<string, string>();
  let urlTemplate: StringTemplate;
  try {
    for (const variable of envReferences(spec.url)) {
      const value = ctx.env[variable];
      if (value === undefined) throw missing(at('url'))(variable);
      envValues.set(variable, value);
    }
    urlTemplate = compileString(spec.url, `${label}.url`);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw ctx.fail(at('url'), (e as Error).message);
  }
  const probe = substituteEnv(spec.url.replace(/\{\{[^}]*\}\}/g, 'x'), envValues);
  if (!isHttpUrl(probe))
    throw ctx.fail(at('url'), 'not a valid http(s) URL (after filling in environment variables)');

  // ---- headers
  const caseHeaders: [string, StringTemplate][] = [];
  const fixedHeaders: [string, string][] = [];
  for (const [key, value] of Object.entries(spec.headers ?? {})) {
    let template: StringTemplate;
    let refs: string[];
    try {
      refs = envReferences(value);
      template = compileString(value, `${label}.headers.${key}`);
    } catch (e) {
      throw ctx.fail(at('headers', key), (e as Error).message);
    }
    if (refs.length > 0 || (CREDENTIAL_HEADER.test(key) && template.variables.length === 0)) {
      if (template.variables.length > 0) {
        throw ctx.fail(
          at('headers', key),
          'a header that uses ${env:…} is kept out of the cached request, so it cannot also use {{ variables }}',
        );
      }
      fixedHeaders.push([key, resolveEnv(value, ctx.env, missing(at('headers', key)))]);
    } else {
      caseHeaders.push([key, template]);
    }
  }

  // ---- body
  if (spec.body !== undefined && spec.method === 'GET') {
    throw ctx.fail(at('body'), 'a GET request has no body; put {{ variables }} in the url instead');
  }
  const renderBody =
    spec.body === undefined
      ? undefined
      : compileJson(spec.body, `${label}.body`, (path, message) => ctx.fail(at('body', ...path), message));

  // ---- extract
  const path = (key: keyof HttpTargetSpec['extract'], value: string): PathSegment[] => {
    try {
      return parsePath(value);
    } catch (e) {
      throw ctx.fail(at('extract', key), (e as Error).message);
    }
  };
  const ex = spec.extract;
  const extract = {
    output: path('output', ex.output),
    contexts: ex.contexts !== undefined ? path('contexts', ex.contexts) : undefined,
    contextId: path('contextId', ex.contextId),
    contextText: path('contextText', ex.contextText),
    citations: ex.citations !== undefined ? path('citations', ex.citations) : undefined,
    toolCalls: ex.toolCalls !== undefined ? path('toolCalls', ex.toolCalls) : undefined,
    usage: ex.usage !== undefined ? path('usage', ex.usage) : undefined,
  };

  const readOutput = (json: unknown): TargetOutput => {
    const text = outputText(getPath(json, extract.output));
    if (text === undefined) {
      const keys =
        json && typeof json === 'object' && !Array.isArray(json) ? Object.keys(json).slice(0, 10) : [];
      throw new ShapeError(
        `no output at '${ex.output}' in the response${keys.length > 0 ? ` (top-level keys: ${keys.join(', ')})` : ''}`,
      );
    }
    const output: TargetOutput = { output: text };
    const contexts = extract.contexts
      ? normalizeContexts(
          getPath(json, extract.contexts),
          ex.contexts!,
          extract.contextId,
          extract.contextText,
        )
      : undefined;
    const citations = extract.citations
      ? normalizeCitations(getPath(json, extract.citations), ex.citations!, extract.contextId)
      : undefined;
    const toolCalls = extract.toolCalls
      ? normalizeToolCalls(getPath(json, extract.toolCalls), ex.toolCalls!)
      : undefined;
    const usage = extract.usage ? normalizeUsage(getPath(json, extract.usage), ex.usage!) : undefined;
    if (contexts) output.contexts = contexts;
    if (citations) output.citations = citations;
    if (toolCalls) output.toolCalls = toolCalls;
    if (usage) output.usage = usage;
    return output;
  };

  return {
    name,
    info: { kind: 'http' },
    prepare(input): PreparedRequest {
      const request: HttpRequest = {
        method: spec.method,
        url: urlTemplate.render(input.vars, encodeURIComponent),
      };
      if (caseHeaders.length > 0) {
        request.headers = {};
        for (const [key, template] of caseHeaders) {
          const value = template.render(input.vars);
          if (/[\r\n\0]/.test(value))
            throw new ConfigError(`header '${key}': a variable's value contains a line break`);
          request.headers[key] = value;
        }
      }
      if (renderBody) request.body = renderBody(input.vars);
      // Sent as headers, so the app can vary its samples (see invoke).
      const seed = sampleSeed(UNSEEDED_BASE, input.sample);
      return { target: name, kind: 'http', body: request, seed, sample: input.sample };
    },

    async invoke(prepared, { signal, timeoutMs }) {
      const request = prepared.body as HttpRequest;
      const headers = new Headers({ accept: 'application/json' });
      // Which sample this is and its seed: an app that samples can make `repeat: n` real samples.
      if (prepared.sample !== undefined) headers.set('x-evalgate-sample-index', String(prepared.sample));
      if (prepared.seed !== undefined) headers.set('x-evalgate-seed', String(prepared.seed));
      let body: string | undefined;
      if (request.body !== undefined) {
        // A plain string body is sent as it is, for apps that take text; anything else is JSON.
        const raw = typeof request.body === 'string';
        body = raw ? (request.body as string) : JSON.stringify(request.body);
        headers.set('content-type', raw ? 'text/plain; charset=utf-8' : 'application/json');
      }
      for (const [key, value] of Object.entries(request.headers ?? {})) headers.set(key, value);
      for (const [key, value] of fixedHeaders) headers.set(key, value);

      const where = `${request.method} ${request.url}`;
      const deadline = startDeadline(signal, timeoutMs);
      let response: Response;
      let text: string;
      try {
        response = await fetch(substituteEnv(request.url, envValues), {
          method: request.method,
          headers,
          ...(body !== undefined && { body }),
          signal: deadline.signal,
        });
        text = await response.text();
      } catch (error) {
        if (deadline.signal.aborted) throw abortError(deadline, signal, timeoutMs);
        throw connectionError(error, `${where}: connection failed`);
      } finally {
        deadline.clear();
      }

      const responseHeaders = headerRecord(response.headers);
      if (!response.ok) {
        const detail = snippet(text);
        throw statusError(
          response.status,
          responseHeaders,
          `${where}: HTTP ${response.status}${detail ? `: ${detail}` : ''}`,
        );
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        const type = response.headers.get('content-type') ?? 'none';
        throw new TargetError(
          'malformed',
          `${where}: response is not JSON (content-type ${type}): ${snippet(text, 120)}`,
          {
            status: response.status,
            retryable: true,
            headers: responseHeaders,
          },
        );
      }
      try {
        return { output: readOutput(json), headers: responseHeaders };
      } catch (e) {
        if (!(e instanceof ShapeError)) throw e;
        // The app answered, in a shape the config does not expect: asking again will not help.
        throw new TargetError('malformed', `${where}: ${e.message}`, {
          status: response.status,
          retryable: false,
          headers: responseHeaders,
        });
      }
    },
  };
}
