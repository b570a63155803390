import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_COMPLETION,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROMPT,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_USER_ID,
  EVENT_GEN_AI_CHOICE,
  EVENT_GEN_AI_USER_MESSAGE,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL,
  GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
  GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
} from '@opentelemetry/semantic-conventions/incubating';
import { ConfigError, ConfigErrors } from '../config/errors.js';
import type { KeyedHasher } from './hash.js';
import { EVALGATE_OTEL_ATTRIBUTES } from './otlp-attributes.js';
import type { AttrValue, OtlpSpan } from './otlp.js';
import type { ProductionPolicy } from './policy-schema.js';
import {
  PolicyViolation,
  toRecord,
  type Interaction,
  type ProductionRecord,
  type RecordVersions,
} from './record.js';
import type { Redactor } from './redact/index.js';

/**
 * OTLP GenAI spans → production records, through `toRecord` and so through the same policy
 * as every other record: ids keyed-hashed, text redacted or dropped, only kept fields, sampled.
 *
 * Attribute names come from `@opentelemetry/semantic-conventions` (its incubating entry point:
 * the gen_ai conventions are still experimental there), never typed by hand; the only names
 * of our own are evalgate's, below.
 *
 * Which spans are interactions: those whose `gen_ai.operation.name` is a model or agent call
 * (chat, text_completion, generate_content, invoke_agent), or, for instrumentations older than
 * that attribute, those with a provider (`gen_ai.provider.name`, or the deprecated
 * `gen_ai.system`) and no operation. An interaction span inside another (the chat calls of an
 * agent) is part of it, not a second interaction: its tokens count toward the outer span when
 * that one reports none, and `execute_tool` spans under it are its tool calls.
 */

export { EVALGATE_OTEL_ATTRIBUTES };

const INTERACTION_OPERATIONS = new Set<string>([
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
  GEN_AI_OPERATION_NAME_VALUE_TEXT_COMPLETION,
  GEN_AI_OPERATION_NAME_VALUE_GENERATE_CONTENT,
  GEN_AI_OPERATION_NAME_VALUE_INVOKE_AGENT,
]);

/** Finish reasons that mean the provider's safety system acted, kept as safety events. */
const SAFETY_FINISH_REASONS: Record<string, string> = {
  content_filter: 'content-filter',
  safety: 'content-filter',
};

/** One interaction span, read: what `toRecord` takes, and what the span said of itself. */
export interface SpanInteraction {
  interaction: Interaction;
  /** The version stamp from evalgate.*_version attributes; absent when the span has none. */
  versions?: RecordVersions;
  /** The span (or its events) carried message content; without it no text features are made. */
  hasInput: boolean;
  /** Decides sampling when there is no response id: the trace id, so a trace is in or out whole. */
  sampleKey: string;
  provider?: string;
  model?: string;
  operation?: string;
  where: { file: string; line: number };
}

/** The interaction spans of a set of spans, each read into what `toRecord` takes. */
export function interactionsFromSpans(spans: readonly OtlpSpan[]): SpanInteraction[] {
  const byId = new Map(spans.map((s) => [`${s.traceId}/${s.spanId}`, s]));
  const parentOf = (s: OtlpSpan) => (s.parentSpanId ? byId.get(`${s.traceId}/${s.parentSpanId}`) : undefined);
  const isInteraction = (s: OtlpSpan) => {
    const op = str(s.attributes.get(ATTR_GEN_AI_OPERATION_NAME));
    if (op !== undefined) return INTERACTION_OPERATIONS.has(op);
    return providerOf(s) !== undefined;
  };
  /** The outermost interaction span at or above `s`, if any. */
  const ownerOf = (s: OtlpSpan): OtlpSpan | undefined => {
    let owner: OtlpSpan | undefined;
    const seen = new Set<OtlpSpan>();
    for (let at: OtlpSpan | undefined = s; at && !seen.has(at); at = parentOf(at)) {
      seen.add(at); // a malformed export can make a cycle of parents
      if (isInteraction(at)) owner = at;
    }
    return owner;
  };

  const tops: OtlpSpan[] = [];
  const nested = new Map<OtlpSpan, OtlpSpan[]>();
  const tools = new Map<OtlpSpan, string[]>();
  for (const s of spans) {
    const owner = ownerOf(s);
    if (!owner) continue;
    if (owner === s) tops.push(s);
    else if (str(s.attributes.get(ATTR_GEN_AI_OPERATION_NAME)) === GEN_AI_OPERATION_NAME_VALUE_EXECUTE_TOOL)
      tools.set(owner, [
        ...(tools.get(owner) ?? []),
        str(s.attributes.get(ATTR_GEN_AI_TOOL_NAME)) ?? 'unknown',
      ]);
    else if (isInteraction(s)) nested.set(owner, [...(nested.get(owner) ?? []), s]);
  }
  return tops.map((s) => readInteraction(s, nested.get(s) ?? [], tools.get(s)));
}

function readInteraction(span: OtlpSpan, inner: readonly OtlpSpan[], toolNames?: string[]): SpanInteraction {
  const a = span.attributes;
  const get = (key: string) => (a.has(key) ? a.get(key) : span.resource.get(key));
  const it: Interaction = { input: '' };

  if (span.startNs !== undefined) it.at = Number(span.startNs / 1_000_000n);
  if (span.startNs !== undefined && span.endNs !== undefined && span.endNs >= span.startNs)
    it.latencyMs = Number(span.endNs - span.startNs) / 1e6;

  const responseId = str(a.get(ATTR_GEN_AI_RESPONSE_ID));
  if (responseId) it.requestId = responseId;
  const conversation = str(a.get(ATTR_GEN_AI_CONVERSATION_ID));
  if (conversation) it.sessionId = conversation;
  const user = str(get(ATTR_USER_ID));
  if (user) it.userId = user;
  const route = str(get(EVALGATE_OTEL_ATTRIBUTES.route));
  if (route) it.route = route;
  const risk = get(EVALGATE_OTEL_ATTRIBUTES.riskTags);
  const riskTags = Array.isArray(risk)
    ? risk.filter((t): t is string => typeof t === 'string')
    : str(risk)
      ? [str(risk)!]
      : [];
  if (riskTags.length) it.riskTags = riskTags;

  const tokens = tokensOf(span) ?? sumTokens(inner);
  if (tokens) it.tokens = tokens;

  const input = inputText(span);
  const output = outputText(span);
  if (input !== undefined) it.input = input;
  if (output !== undefined) it.output = output;
  const names = toolNames ?? toolCallsIn(a.get(ATTR_GEN_AI_OUTPUT_MESSAGES));
  if (names?.length) it.toolCalls = names.map((name) => ({ name }));

  const reasons = a.get(ATTR_GEN_AI_RESPONSE_FINISH_REASONS);
  const safety = [
    ...new Set((Array.isArray(reasons) ? reasons : []).map((r) => SAFETY_FINISH_REASONS[String(r)])),
  ];
  if (safety.some(Boolean)) it.safetyEvents = safety.filter((e): e is string => !!e);

  const errorType = str(a.get(ATTR_ERROR_TYPE));
  // The span's status message is free text (it can quote the request): never read.
  if (span.status === 'error' || errorType) it.error = errorType ?? 'error';

  const v: RecordVersions = {};
  const system = str(get(EVALGATE_OTEL_ATTRIBUTES.systemVersion));
  const prompt = str(get(EVALGATE_OTEL_ATTRIBUTES.promptVersion));
  const model = str(get(EVALGATE_OTEL_ATTRIBUTES.modelVersion));
  const retrieval = str(get(EVALGATE_OTEL_ATTRIBUTES.retrievalVersion));
  if (system) v.system = system;
  if (prompt) v.prompt = prompt;
  if (model) v.model = model;
  if (retrieval) v.retrieval = retrieval;

  const provider = providerOf(span);
  const modelName = str(a.get(ATTR_GEN_AI_RESPONSE_MODEL)) ?? str(a.get(ATTR_GEN_AI_REQUEST_MODEL));
  const operation = str(a.get(ATTR_GEN_AI_OPERATION_NAME));
  return {
    interaction: it,
    ...(Object.keys(v).length && { versions: v }),
    hasInput: input !== undefined,
    sampleKey: span.traceId,
    ...(provider && { provider }),
    ...(modelName && { model: modelName }),
    ...(operation && { operation }),
    where: span.where,
  };
}

/** `gen_ai.provider.name`, else the deprecated `gen_ai.system` it replaced. */
function providerOf(span: OtlpSpan): string | undefined {
  return str(span.attributes.get(ATTR_GEN_AI_PROVIDER_NAME)) ?? str(span.attributes.get(ATTR_GEN_AI_SYSTEM));
}

function tokensOf(span: OtlpSpan): { input?: number; output?: number } | undefined {
  const t: { input?: number; output?: number } = {};
  const input = count(span.attributes.get(ATTR_GEN_AI_USAGE_INPUT_TOKENS));
  const output = count(span.attributes.get(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS));
  if (input !== undefined) t.input = input;
  if (output !== undefined) t.output = output;
  return Object.keys(t).length ? t : undefined;
}

function sumTokens(spans: readonly OtlpSpan[]): { input?: number; output?: number } | undefined {
  let sum: { input?: number; output?: number } | undefined;
  for (const s of spans) {
    const t = tokensOf(s);
    if (!t) continue;
    sum ??= {};
    if (t.input !== undefined) sum.input = (sum.input ?? 0) + t.input;
    if (t.output !== undefined) sum.output = (sum.output ?? 0) + t.output;
  }
  return sum;
}

/**
 * The user's text of the turn: the last user message of `gen_ai.input.messages`, else of the
 * deprecated forms — a `gen_ai.prompt` attribute (on the span or a `gen_ai.content.prompt`
 * event), or the last `gen_ai.user.message` event's `content` (its body field, flattened
 * into attributes by span-event instrumentations). Undefined when the span carries none:
 * content capture is opt-in in the conventions.
 */
function inputText(span: OtlpSpan): string | undefined {
  const messages = messagesOf(span.attributes.get(ATTR_GEN_AI_INPUT_MESSAGES));
  if (messages) return lastText(messages, 'user');
  const prompt = span.attributes.get(ATTR_GEN_AI_PROMPT) ?? eventAttr(span, ATTR_GEN_AI_PROMPT);
  if (prompt !== undefined) {
    const legacy = messagesOf(prompt);
    return legacy ? lastText(legacy, 'user') : str(prompt);
  }
  const event = span.events.filter((e) => e.name === EVENT_GEN_AI_USER_MESSAGE).at(-1);
  return event ? str(event.attributes.get('content')) : undefined;
}

/** The model's text: the first output message's, else the deprecated forms, as for the input. */
function outputText(span: OtlpSpan): string | undefined {
  const messages = messagesOf(span.attributes.get(ATTR_GEN_AI_OUTPUT_MESSAGES));
  if (messages) return textOf(messages[0]);
  const completion = span.attributes.get(ATTR_GEN_AI_COMPLETION) ?? eventAttr(span, ATTR_GEN_AI_COMPLETION);
  if (completion !== undefined) {
    const legacy = messagesOf(completion);
    return legacy ? textOf(legacy[0]) : str(completion);
  }
  const event = span.events.find((e) => e.name === EVENT_GEN_AI_CHOICE);
  return event ? str(event.attributes.get('content')) : undefined;
}

function eventAttr(span: OtlpSpan, key: string): AttrValue | undefined {
  for (const e of span.events) if (e.attributes.has(key)) return e.attributes.get(key);
  return undefined;
}

type Message = { role?: unknown; parts?: unknown; content?: unknown };

/** A messages attribute: a JSON string (what SDKs write today) or a structured array value. */
function messagesOf(value: AttrValue | undefined): Message[] | undefined {
  let v: unknown = value;
  if (typeof v === 'string') {
    if (!v.trimStart().startsWith('[')) return undefined;
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  return Array.isArray(v) && v.every((m) => m && typeof m === 'object') ? (v as Message[]) : undefined;
}

function lastText(messages: readonly Message[], role: string): string | undefined {
  const m = messages.filter((x) => x.role === role).at(-1);
  return m ? textOf(m) : undefined;
}

/** A message's text parts joined (`parts: [{type: 'text', content}]`), or its older `content` string. */
function textOf(m: Message | undefined): string | undefined {
  if (!m) return undefined;
  if (typeof m.content === 'string') return m.content;
  if (!Array.isArray(m.parts)) return undefined;
  const texts = (m.parts as { type?: unknown; content?: unknown }[])
    .filter((p) => p && p.type === 'text' && typeof p.content === 'string')
    .map((p) => p.content as string);
  return texts.length ? texts.join('\n') : undefined;
}

/** Tool-call names in output messages (`parts: [{type: 'tool_call', name}]`), when content was captured. */
function toolCallsIn(value: AttrValue | undefined): string[] | undefined {
  const names = (messagesOf(value) ?? []).flatMap((m) =>
    Array.isArray(m.parts)
      ? (m.parts as { type?: unknown; name?: unknown }[])
          .filter((p) => p && p.type === 'tool_call' && typeof p.name === 'string')
          .map((p) => p.name as string)
      : [],
  );
  return names.length ? names : undefined;
}

const str = (v: AttrValue | undefined): string | undefined =>
  typeof v === 'string' && v !== '' ? v : undefined;
const count = (v: AttrValue | undefined): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;

/**
 * Interaction spans → the records the policy allows, all or none (as `record` does with
 * JSONL interactions): each span's version stamp is its evalgate.*_version attributes when it
 * has any, else `fallback`; a span with neither, or one whose record would break the policy,
 * is an error at the line of its document, and nothing is returned.
 */
export function recordsFromSpans(
  items: readonly SpanInteraction[],
  policy: ProductionPolicy,
  fallback: RecordVersions | undefined,
  context: { hasher: KeyedHasher; redactor: Redactor },
): ProductionRecord[] {
  const errors: ConfigError[] = [];
  const records: ProductionRecord[] = [];
  for (const item of items) {
    const at = { file: item.where.file, line: item.where.line, column: 1 };
    const versions = item.versions ?? fallback;
    if (!versions) {
      errors.push(
        new ConfigError(
          `a span has no ${EVALGATE_OTEL_ATTRIBUTES.systemVersion} (nor the prompt, model or retrieval version) attribute, and no --versions was given`,
          at,
        ),
      );
      continue;
    }
    try {
      const record = toRecord(item.interaction, policy, versions, {
        ...context,
        // Without a response id, the trace decides: the same trace is in or out on every run.
        random: () => context.hasher.uniform('sample', item.sampleKey),
      });
      if (!record) continue;
      // No content on the span: the empty input toRecord needs made no feature worth keeping.
      if (!item.hasInput) delete record.input;
      records.push(record);
    } catch (e) {
      if (e instanceof PolicyViolation) errors.push(new ConfigError(e.message, at));
      else throw e;
    }
  }
  if (errors.length) throw errors.length === 1 ? errors[0]! : new ConfigErrors(errors);
  return records;
}
