import type { ContextItem, TokenUsage, ToolCall } from '../results/types.js';
import { formatPath, getPath, type PathSegment } from './json-path.js';

/**
 * Turns what an application returned (http response, command stdout) into TargetOutput
 * fields. Applications speak many dialects, so the common ones are all accepted; anything
 * present but unrecognisable throws ShapeError, because a wrong `extract` path that silently
 * yields "no contexts" would grade the app as retrieving nothing.
 */
export class ShapeError extends Error {
  override readonly name = 'ShapeError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function first(obj: Record<string, unknown>, keys: string[]): number | undefined {
  for (const key of keys) {
    const value = count(obj[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * OpenAI (`prompt_tokens`), Anthropic/Responses (`input_tokens`), camelCase, or evalgate's own
 * (`prompt`, `completion`, `total`, `cached`).
 */
export function normalizeUsage(raw: unknown, where: string): TokenUsage | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObject(raw)) throw new ShapeError(`${where}: expected an object of token counts`);
  const prompt = first(raw, ['prompt_tokens', 'input_tokens', 'promptTokens', 'inputTokens', 'prompt']);
  const completion = first(raw, [
    'completion_tokens',
    'output_tokens',
    'completionTokens',
    'outputTokens',
    'completion',
  ]);
  if (prompt === undefined && completion === undefined) {
    throw new ShapeError(
      `${where}: no token counts (expected prompt_tokens/completion_tokens or input_tokens/output_tokens)`,
    );
  }
  const total = first(raw, ['total_tokens', 'totalTokens', 'total']) ?? (prompt ?? 0) + (completion ?? 0);
  const details = [raw.prompt_tokens_details, raw.input_tokens_details].find(isObject);
  const cached =
    count(details?.cached_tokens) ??
    first(raw, ['cached_tokens', 'cache_read_input_tokens', 'cachedTokens', 'cached']);
  return { prompt: prompt ?? 0, completion: completion ?? 0, total, ...(cached !== undefined && { cached }) };
}

/** Tool calls as `{ name, arguments }` or OpenAI's `{ function: { name, arguments } }`; string arguments are parsed when they are JSON. */
export function normalizeToolCalls(raw: unknown, where: string): ToolCall[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new ShapeError(`${where}: expected a list of tool calls`);
  return raw.map((item, i) => {
    if (!isObject(item)) throw new ShapeError(`${where}[${i}]: expected { name, arguments }`);
    const fn = isObject(item.function) ? item.function : item;
    const name = fn.name;
    if (typeof name !== 'string' || !name) throw new ShapeError(`${where}[${i}]: no tool name`);
    const args = fn.arguments ?? fn.args ?? fn.input ?? item.arguments;
    // A trace step's outcome, so step-level graders can tell a failed step from a good one.
    const error =
      typeof item.error === 'string'
        ? item.error
        : item.error
          ? JSON.stringify(item.error)
          : item.status === 'error'
            ? 'status: error'
            : undefined;
    return {
      name,
      arguments: typeof args === 'string' ? parseArguments(args) : (args ?? {}),
      ...(typeof item.id === 'string' && { id: item.id }),
      ...(item.result !== undefined && { result: item.result }),
      ...(error !== undefined && { error }),
    };
  });
}

/** Models sometimes emit invalid JSON arguments; graders still want to see what was sent. */
export function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Retrieved passages: strings, or objects whose id and text sit at the given paths. */
export function normalizeContexts(
  raw: unknown,
  where: string,
  idPath: readonly PathSegment[],
  textPath: readonly PathSegment[],
): ContextItem[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new ShapeError(`${where}: expected a list of contexts`);
  return raw.map((item, i) => {
    if (typeof item === 'string') return { text: item };
    if (!isObject(item)) throw new ShapeError(`${where}[${i}]: expected a string or an object`);
    const text = getPath(item, textPath);
    if (typeof text !== 'string')
      throw new ShapeError(`${where}[${i}]: no text at '${formatPath(textPath)}'`);
    const id = getPath(item, idPath);
    return typeof id === 'string' || typeof id === 'number' ? { id: String(id), text } : { text };
  });
}

/** Cited source ids: strings or numbers, or objects carrying `id` (or the context id path). */
export function normalizeCitations(
  raw: unknown,
  where: string,
  idPath: readonly PathSegment[],
): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new ShapeError(`${where}: expected a list of citations`);
  return raw.map((item, i) => {
    if (typeof item === 'string' || typeof item === 'number') return String(item);
    const id = isObject(item) ? (item.id ?? getPath(item, idPath)) : undefined;
    if (typeof id === 'string' || typeof id === 'number') return String(id);
    throw new ShapeError(`${where}[${i}]: expected a string or an object with an id`);
  });
}

/** The answer text. Structured answers are kept as JSON text so JSON graders can read them. */
export function outputText(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  return typeof raw === 'string' ? raw : JSON.stringify(raw);
}
