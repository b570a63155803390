/**
 * A local OpenAI Files + Batches server for tests of `evalgate run --batch`.
 *
 * A real HTTP server on 127.0.0.1 that the official SDK talks to, implementing the endpoints
 * as OpenAI's published API spec (openai/openai-openapi, openapi.yaml) describes them:
 *
 *   POST /v1/files                  multipart `file` + `purpose` → File object
 *   GET  /v1/files/{id}             File object
 *   GET  /v1/files/{id}/content     the file's bytes
 *   POST /v1/batches                { input_file_id, endpoint, completion_window, metadata } → Batch
 *   GET  /v1/batches/{id}           Batch (each retrieve may advance it: see below)
 *   GET  /v1/batches                list, newest first, `limit` and `after` cursors
 *   POST /v1/batches/{id}/cancel    → cancelling, then cancelled on the next retrieve
 *
 * A batch moves validating → in_progress → finalizing → completed, one step after each
 * retrieve (`pollsPerStatus` retrieves each), so a test's poll count, not the wall clock,
 * drives it, and a client sees every status.
 * Validation checks each input line (`{custom_id, method: "POST", url, body}`): invalid JSON,
 * a repeated custom_id, a url other than the batch's endpoint, or a second model fail the
 * batch with `errors.data` naming the line. Answers: 200 lines go to the output file, others
 * (a scripted status) to the error file, as BatchRequestOutput lines
 * `{id, custom_id, response: {status_code, request_id, body}, error}`. `expireAfter: k` lets k
 * requests be answered, then the batch expires: the rest are written to the error file with
 * `error: {code: "batch_expired", ...}`, as OpenAI does when the 24 h window runs out.
 * `hold: true` keeps batches in_progress until `release()`.
 *
 * The request bodies it is sent (CreateBatchRequest, CreateFileRequest's fields) and every
 * File, Batch and list it answers are validated against those schemas of the published spec,
 * trimmed into test/fixtures/openai-batch-openapi.json (scripts/trim-openai-batch-spec.mjs): a
 * request that breaks them is a 400, as the API would answer; an answer of its own that breaks
 * them is a 500 and is listed in `invalid`, so the fake cannot drift from the spec. (The API
 * sends `null` for a field not set yet, which the spec's schemas leave out: nulls are dropped
 * before an answer is checked.) The line formats (BatchRequestInput, BatchRequestOutput) are
 * not in the spec's components: they follow the API reference's "request input object" and
 * "request output object".
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv, type ValidateFunction } from 'ajv';
import { completion, type ChatBody, type Reply } from './fake-openai.js';

export interface BatchLine {
  /** 0-based position in the input file. */
  line: number;
  custom_id: string;
  body: ChatBody;
}

export interface FakeBatchOptions {
  /** Retrieves a batch spends in validating, in_progress and finalizing each (default 1). */
  pollsPerStatus?: number;
  /** How one request is answered (default: `echo: <last user message>`, as fake-openai). */
  script?: (line: BatchLine) => Reply | undefined;
  /** Answer this many requests, then expire the batch (the completion window ran out). */
  expireAfter?: number;
  /** Keep every batch in_progress until `release()`. */
  hold?: boolean;
  /** Fail every batch at validation with this error (e.g. the enqueued token limit). */
  failWith?: { code: string; message: string };
  /** Requests left out of both the output and the error file (a provider's bug, or a lost line). */
  omit?: (line: BatchLine) => boolean;
}

export interface FakeFile {
  id: string;
  purpose: string;
  filename: string;
  content: string;
  created_at: number;
}

export interface FakeBatch {
  id: string;
  object: 'batch';
  endpoint: string;
  input_file_id: string;
  completion_window: string;
  status: string;
  output_file_id: string | null;
  error_file_id: string | null;
  errors: {
    object: 'list';
    data: { code: string; message: string; line: number | null; param: string | null }[];
  } | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number | null;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  request_counts: { total: number; completed: number; failed: number };
  metadata: Record<string, string> | null;
}

export interface FakeOpenAIBatch {
  /** Base URL for the SDK, ending with `/v1`. */
  url: string;
  files: FakeFile[];
  batches: FakeBatch[];
  /** Every request received, as `METHOD /path`. */
  log: string[];
  /** Retrieves (GET /v1/batches/{id}) so far, by batch id. */
  polls: Map<string, number>;
  /** The fake's own answers that broke the spec's schemas (each also answered 500). */
  invalid: string[];
  /** Lets held batches finish. */
  release(): void;
  close(): Promise<void>;
}

const ENDPOINTS = new Set([
  '/v1/responses',
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/completions',
  '/v1/moderations',
]);

export async function startFakeOpenAIBatch(options: FakeBatchOptions = {}): Promise<FakeOpenAIBatch> {
  const files: FakeFile[] = [];
  const batches: FakeBatch[] = [];
  const log: string[] = [];
  const polls = new Map<string, number>();
  const invalid: string[] = [];
  /** Sends `body` if it is a valid `schema`; else a 500 that says why (and records it). */
  const answer = (res: ServerResponse, schema: string, body: unknown) => {
    const problems = check(schema, dropNulls(body));
    if (!problems) return send(res, 200, body);
    invalid.push(`${schema}: ${problems}`);
    send(
      res,
      500,
      error(`fake-openai-batch: its ${schema} breaks the spec: ${problems}`, 'server_error', null),
    );
  };
  const stepsTaken = new Map<string, number>();
  const perStatus = Math.max(1, options.pollsPerStatus ?? 1);
  let held = options.hold === true;
  let seq = 0;
  const now = () => 1_750_000_000 + seq;
  const fileById = (id: string) => files.find((f) => f.id === id);

  const addFile = (purpose: string, filename: string, content: string): FakeFile => {
    const file = { id: `file-fake${++seq}`, purpose, filename, content, created_at: now() };
    files.push(file);
    return file;
  };
  const fileObject = (f: FakeFile) => ({
    id: f.id,
    object: 'file',
    bytes: Buffer.byteLength(f.content),
    created_at: f.created_at,
    expires_at: f.created_at + 30 * 86_400,
    filename: f.filename,
    purpose: f.purpose,
    status: 'processed',
  });

  /** One retrieve's worth of progress: the next status, and the work that goes with it. */
  const advance = (b: FakeBatch) => {
    const steps = (stepsTaken.get(b.id) ?? 0) + 1;
    stepsTaken.set(b.id, steps);
    if (steps % perStatus !== 0) return;
    if (b.status === 'cancelling') return finish(b, 'cancelled');
    if (b.status === 'validating') return validate(b);
    if (b.status === 'in_progress' && !held) {
      b.status = 'finalizing';
      b.finalizing_at = now();
      return;
    }
    if (b.status === 'finalizing') return finish(b, 'completed');
  };

  const inputLines = (b: FakeBatch): string[] =>
    fileById(b.input_file_id)!
      .content.split('\n')
      .filter((l) => l.trim() !== '');

  const validate = (b: FakeBatch) => {
    const errors: NonNullable<FakeBatch['errors']>['data'] = [];
    const seen = new Set<string>();
    let model: string | undefined;
    const lines = inputLines(b);
    lines.forEach((text, line) => {
      let parsed: { custom_id?: unknown; method?: unknown; url?: unknown; body?: ChatBody };
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        errors.push({
          code: 'invalid_json_line',
          message: 'This line is not parseable as valid JSON.',
          line: line + 1,
          param: null,
        });
        return;
      }
      const id = parsed.custom_id;
      if (typeof id !== 'string' || id === '')
        errors.push({
          code: 'missing_required_parameter',
          message: 'Missing custom_id.',
          line: line + 1,
          param: 'custom_id',
        });
      else if (seen.has(id))
        errors.push({
          code: 'duplicate_custom_id',
          message:
            'The custom_id for this request is a duplicate of another request. The custom_id parameter must be unique for each request in a batch.',
          line: line + 1,
          param: 'custom_id',
        });
      else seen.add(id);
      if (parsed.method !== 'POST')
        errors.push({
          code: 'invalid_value',
          message: "Only 'POST' is supported.",
          line: line + 1,
          param: 'method',
        });
      if (parsed.url !== b.endpoint)
        errors.push({
          code: 'mismatched_endpoint',
          message: `The url of this request does not match the batch's endpoint ${b.endpoint}.`,
          line: line + 1,
          param: 'url',
        });
      const m = parsed.body?.model;
      if (typeof m !== 'string')
        errors.push({
          code: 'missing_required_parameter',
          message: 'Missing model.',
          line: line + 1,
          param: 'body.model',
        });
      else if (model !== undefined && m !== model)
        errors.push({
          code: 'mismatched_model',
          message: 'Each request in a batch must use the same model.',
          line: line + 1,
          param: 'body.model',
        });
      else model = m;
    });
    if (options.failWith) errors.push({ ...options.failWith, line: null, param: null });
    if (errors.length) {
      b.status = 'failed';
      b.failed_at = now();
      b.errors = { object: 'list', data: errors };
      return;
    }
    b.status = 'in_progress';
    b.in_progress_at = now();
    b.request_counts = { total: lines.length, completed: 0, failed: 0 };
  };

  const finish = (b: FakeBatch, status: 'completed' | 'cancelled') => {
    const lines = inputLines(b).map((t) => JSON.parse(t) as { custom_id: string; body: ChatBody });
    const answer = status === 'completed' ? (options.expireAfter ?? Infinity) : 0;
    const out: string[] = [];
    const err: string[] = [];
    lines.forEach((l, i) => {
      const id = `batch_req_fake${++seq}`;
      if (i >= answer) {
        const [code, message] =
          status === 'cancelled'
            ? ['batch_cancelled', 'This request was not executed because the batch was cancelled.']
            : ['batch_expired', 'This request could not be executed before the completion window expired.'];
        err.push(JSON.stringify({ id, custom_id: l.custom_id, response: null, error: { code, message } }));
        b.request_counts.failed++;
        return;
      }
      const request = { line: i, custom_id: l.custom_id, body: l.body };
      if (options.omit?.(request)) return;
      const reply = options.script?.(request) ?? {};
      const statusCode = reply.status ?? 200;
      const body =
        reply.json ??
        (statusCode >= 400
          ? {
              error: {
                message: `Request failed with status ${statusCode} (fake).`,
                type: 'invalid_request_error',
                param: null,
                code: null,
              },
            }
          : completion(i, l.body, reply));
      const line = JSON.stringify({
        id,
        custom_id: l.custom_id,
        response: { status_code: statusCode, request_id: `req_fake_batch_${i}`, body },
        error: null,
      });
      if (statusCode === 200) {
        out.push(line);
        b.request_counts.completed++;
      } else {
        err.push(line);
        b.request_counts.failed++;
      }
    });
    const expired =
      status === 'completed' && options.expireAfter !== undefined && options.expireAfter < lines.length;
    if (out.length)
      b.output_file_id = addFile('batch_output', `${b.id}_output.jsonl`, `${out.join('\n')}\n`).id;
    if (err.length)
      b.error_file_id = addFile('batch_output', `${b.id}_error.jsonl`, `${err.join('\n')}\n`).id;
    b.status = expired ? 'expired' : status;
    if (b.status === 'expired') b.expired_at = now();
    else if (b.status === 'cancelled') b.cancelled_at = now();
    else b.completed_at = now();
  };

  const route = async (req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> => {
    const [path, query] = (req.url ?? '').split('?') as [string, string | undefined];
    log.push(`${req.method} ${path}`);
    if (req.headers.authorization === undefined)
      return send(res, 401, error('You did not provide an API key.', 'invalid_request_error', null));
    let m: RegExpMatchArray | null;
    if (req.method === 'POST' && path === '/v1/files') {
      const form = await new Request('http://fake/', {
        method: 'POST',
        headers: { 'content-type': req.headers['content-type'] ?? '' },
        body: raw,
      }).formData();
      const file = form.get('file');
      const purpose = form.get('purpose');
      const fields = Object.fromEntries(
        [...form.keys()].map((k) => [k, k === 'file' ? 'bytes' : form.get(k)]),
      );
      const bad = check('CreateFileRequest', fields);
      if (bad) return send(res, 400, error(`Invalid request: ${bad}`, 'invalid_request_error', null));
      if (!(file instanceof File))
        return send(res, 400, error("'file' is a required property", 'invalid_request_error', null));
      if (
        purpose !== 'batch' &&
        purpose !== 'fine-tune' &&
        purpose !== 'assistants' &&
        purpose !== 'user_data'
      )
        return send(
          res,
          400,
          error(`'${String(purpose)}' is not one of the supported purposes`, 'invalid_request_error', null),
        );
      return answer(res, 'OpenAIFile', fileObject(addFile(purpose, file.name, await file.text())));
    }
    if (req.method === 'GET' && (m = /^\/v1\/files\/([^/]+)\/content$/.exec(path))) {
      const f = fileById(decodeURIComponent(m[1]!));
      if (!f) return send(res, 404, error('No such File object', 'invalid_request_error', null));
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': Buffer.byteLength(f.content),
      });
      res.end(f.content);
      return;
    }
    if (req.method === 'GET' && (m = /^\/v1\/files\/([^/]+)$/.exec(path))) {
      const f = fileById(decodeURIComponent(m[1]!));
      return f
        ? answer(res, 'OpenAIFile', fileObject(f))
        : send(res, 404, error('No such File object', 'invalid_request_error', null));
    }
    if (req.method === 'POST' && path === '/v1/batches') {
      const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
      const bad = check('CreateBatchRequest', body);
      if (bad) return send(res, 400, error(`Invalid request: ${bad}`, 'invalid_request_error', null));
      const input = fileById(String(body.input_file_id));
      if (!input)
        return send(
          res,
          400,
          error(
            `Invalid 'input_file_id': '${String(body.input_file_id)}'.`,
            'invalid_request_error',
            'input_file_id',
          ),
        );
      if (input.purpose !== 'batch')
        return send(
          res,
          400,
          error(
            'The input file must be uploaded with the purpose `batch`.',
            'invalid_request_error',
            'input_file_id',
          ),
        );
      if (!ENDPOINTS.has(String(body.endpoint)))
        return send(res, 400, error(`Invalid 'endpoint'.`, 'invalid_request_error', 'endpoint'));
      if (body.completion_window !== '24h')
        return send(
          res,
          400,
          error(
            `Invalid 'completion_window': only '24h' is supported.`,
            'invalid_request_error',
            'completion_window',
          ),
        );
      const created = now();
      const batch: FakeBatch = {
        id: `batch_fake${++seq}`,
        object: 'batch',
        endpoint: String(body.endpoint),
        input_file_id: input.id,
        completion_window: '24h',
        status: 'validating',
        output_file_id: null,
        error_file_id: null,
        errors: null,
        created_at: created,
        in_progress_at: null,
        expires_at: created + 86_400,
        finalizing_at: null,
        completed_at: null,
        failed_at: null,
        expired_at: null,
        cancelling_at: null,
        cancelled_at: null,
        request_counts: { total: 0, completed: 0, failed: 0 },
        metadata: (body.metadata as Record<string, string> | undefined) ?? null,
      };
      batches.push(batch);
      return answer(res, 'Batch', batch);
    }
    if (req.method === 'GET' && path === '/v1/batches') {
      const params = new URLSearchParams(query ?? '');
      const limit = Math.min(100, Number(params.get('limit') ?? 20));
      const newest = [...batches].reverse();
      const after = params.get('after');
      const start = after ? newest.findIndex((b) => b.id === after) + 1 : 0;
      const page = newest.slice(start, start + limit);
      return answer(res, 'ListBatchesResponse', {
        object: 'list',
        data: page,
        first_id: page[0]?.id ?? null,
        last_id: page.at(-1)?.id ?? null,
        has_more: start + limit < newest.length,
      });
    }
    if (req.method === 'GET' && (m = /^\/v1\/batches\/([^/]+)$/.exec(path))) {
      const b = batches.find((x) => x.id === decodeURIComponent(m![1]!));
      if (!b) return send(res, 404, error('No such Batch object', 'invalid_request_error', null));
      polls.set(b.id, (polls.get(b.id) ?? 0) + 1);
      // The status as it is, then a step on: a client sees every status, in order.
      answer(res, 'Batch', b);
      return advance(b);
    }
    if (req.method === 'POST' && (m = /^\/v1\/batches\/([^/]+)\/cancel$/.exec(path))) {
      const b = batches.find((x) => x.id === decodeURIComponent(m![1]!));
      if (!b) return send(res, 404, error('No such Batch object', 'invalid_request_error', null));
      if (b.status === 'validating' || b.status === 'in_progress' || b.status === 'finalizing') {
        b.status = 'cancelling';
        b.cancelling_at = now();
      }
      return answer(res, 'Batch', b);
    }
    return send(
      res,
      404,
      error(`Unknown request URL: ${req.method} ${path}`, 'invalid_request_error', 'unknown_url'),
    );
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      route(req, res, Buffer.concat(chunks)).catch((e: unknown) =>
        send(res, 500, error(`fake-openai-batch: ${(e as Error).message}`, 'server_error', null)),
      );
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    files,
    batches,
    log,
    polls,
    invalid,
    release() {
      held = false;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const SPEC = JSON.parse(
  readFileSync(new URL('../fixtures/openai-batch-openapi.json', import.meta.url), 'utf8'),
) as { components: { schemas: Record<string, unknown> } };
const ajv = new Ajv({ strict: false, allErrors: true });
for (const format of ['unixtime', 'binary']) ajv.addFormat(format, true);
ajv.addSchema({ $id: 'openai-spec', components: SPEC.components });
const validators = new Map<string, ValidateFunction>();

/** Why `value` is not a valid `schema` of the spec, or undefined when it is. */
function check(schema: string, value: unknown): string | undefined {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile({ $ref: `openai-spec#/components/schemas/${schema}` });
    validators.set(schema, validate);
  }
  if (validate(value)) return undefined;
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
}

function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, dropNulls(v)]),
  );
}

function error(message: string, type: string, code: string | null) {
  return { error: { message, type, param: null, code } };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': `req_fake_${status}`,
  });
  res.end(text);
}
