import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, ConfigErrors, formatField } from '../config/errors.js';
import { jsonSyntaxError, locateInJsonLine } from '../config/jsonl.js';
import { parseYaml } from '../config/yaml.js';

/**
 * Reading OTLP/JSON trace exports: the JSON encoding of `ExportTraceServiceRequest`
 * (`resourceSpans → scopeSpans → spans`), as an OTLP/HTTP JSON exporter sends it and the
 * Collector's `file` exporter writes it (one request per line). A file may hold one document,
 * pretty-printed or not, or one per line.
 *
 * The proto3 JSON mapping decides the shapes: 64-bit integers (`intValue`, the
 * `…UnixNano` times) may be strings or numbers; enums (`status.code`) may be numbers or
 * their names (`STATUS_CODE_ERROR`); ids are hex. Unknown fields are allowed (the format
 * grows), wrong types are errors with file:line:col and the field, never the value: the
 * attributes hold the very text a privacy policy protects.
 */

/** An attribute value, decoded from OTLP's `AnyValue`. */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };

/** One span, flattened: its resource's attributes beside its own. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** Nanoseconds since the epoch. */
  startNs?: bigint;
  endNs?: bigint;
  attributes: Map<string, AttrValue>;
  resource: Map<string, AttrValue>;
  status: 'unset' | 'ok' | 'error';
  events: { name: string; timeNs?: bigint; attributes: Map<string, AttrValue> }[];
  /** Where the span is, for errors: the file and the line its document starts on. */
  where: { file: string; line: number };
}

const int64 = z.union([z.number().int(), z.string().regex(/^-?\d+$/, 'expected an integer')]);
const uint64 = z.union([
  z.number().int().min(0),
  z.string().regex(/^\d+$/, 'expected a non-negative integer'),
]);

type RawAnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values?: RawAnyValue[] };
  kvlistValue?: { values?: RawKeyValue[] };
};
type RawKeyValue = { key: string; value?: RawAnyValue };

const AnyValueSchema: z.ZodType<RawAnyValue> = z.lazy(() =>
  z.looseObject({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: int64.optional(),
    // proto3 JSON writes the non-finite doubles as strings.
    doubleValue: z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]).optional(),
    bytesValue: z.string().optional(),
    arrayValue: z.looseObject({ values: z.array(AnyValueSchema).optional() }).optional(),
    kvlistValue: z.looseObject({ values: z.array(KeyValueSchema).optional() }).optional(),
  }),
);
const KeyValueSchema: z.ZodType<RawKeyValue> = z.lazy(() =>
  z.looseObject({ key: z.string(), value: AnyValueSchema.optional() }),
);
const attributes = z.array(KeyValueSchema).optional();

const SpanSchema = z.looseObject({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string().optional(),
  name: z.string(),
  startTimeUnixNano: uint64.optional(),
  endTimeUnixNano: uint64.optional(),
  attributes,
  events: z
    .array(z.looseObject({ timeUnixNano: uint64.optional(), name: z.string(), attributes }))
    .optional(),
  status: z
    .looseObject({
      code: z.union([z.number().int(), z.string()]).optional(),
      message: z.string().optional(),
    })
    .optional(),
});

const TracesDocumentSchema = z.looseObject({
  resourceSpans: z.array(
    z.looseObject({
      resource: z.looseObject({ attributes }).optional(),
      scopeSpans: z.array(z.looseObject({ spans: z.array(SpanSchema).optional() })).optional(),
    }),
  ),
});

/** OTLP's `AnyValue` → a plain value. `intValue` becomes a number (exact up to 2^53). */
export function decodeAnyValue(v: RawAnyValue | undefined): AttrValue {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.bytesValue !== undefined) return v.bytesValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(decodeAnyValue);
  if (v.kvlistValue)
    return Object.fromEntries((v.kvlistValue.values ?? []).map((kv) => [kv.key, decodeAnyValue(kv.value)]));
  return null;
}

function attributeMap(list: readonly RawKeyValue[] | undefined): Map<string, AttrValue> {
  return new Map((list ?? []).map((kv) => [kv.key, decodeAnyValue(kv.value)]));
}

/** `status.code`: 2 or `STATUS_CODE_ERROR` is an error; 1 or `STATUS_CODE_OK` ok. */
function statusOf(code: number | string | undefined): OtlpSpan['status'] {
  if (code === 2 || code === 'STATUS_CODE_ERROR') return 'error';
  if (code === 1 || code === 'STATUS_CODE_OK') return 'ok';
  return 'unset';
}

const nanos = (v: number | string | undefined) => (v === undefined ? undefined : BigInt(v));

/**
 * The spans of an OTLP/JSON traces file, all of them or an error: every document is checked
 * before any span is returned, and every bad one reported (file:line:col and field).
 */
export function readOtlpTraces(file: string): OtlpSpan[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read the traces file (${(e as NodeJS.ErrnoException).code ?? 'error'})`, {
      file,
    });
  }
  // One document (pretty-printed or not), else one per line (the Collector's file exporter).
  const documents: { text: string; line: number; whole: boolean }[] = [];
  const lines = text.split('\n');
  const first = lines.find((l) => l.trim());
  if (!isJson(text) && first !== undefined && first.trim() !== text.trim() && isJson(first))
    lines.forEach((l, i) => {
      if (l.trim()) documents.push({ text: l, line: i + 1, whole: false });
    });
  else documents.push({ text, line: 1, whole: true });

  const errors: ConfigError[] = [];
  const spans: OtlpSpan[] = [];
  for (const doc of documents) {
    let raw: unknown;
    try {
      raw = JSON.parse(doc.text);
    } catch {
      const syntax = jsonSyntaxError(doc.text);
      const at = syntax ? position(doc.text, syntax.column) : { line: 1, column: 1 };
      errors.push(
        new ConfigError(`invalid JSON${syntax ? `: expected ${syntax.expected}` : ''}`, {
          file,
          line: doc.line + at.line - 1,
          column: at.column,
        }),
      );
      continue;
    }
    const parsed = TracesDocumentSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues.slice(0, 20)) {
        const path = issue.path as (string | number)[];
        const at = doc.whole
          ? locateInDocument(doc.text, path)
          : { line: 1, column: locateInJsonLine(doc.text, path) };
        errors.push(
          new ConfigError(issue.message.replace(/^Invalid input: /, ''), {
            file,
            line: doc.line + at.line - 1,
            column: at.column,
            field: formatField(path) || undefined,
          }),
        );
      }
      continue;
    }
    for (const rs of parsed.data.resourceSpans) {
      const resource = attributeMap(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? [])
          spans.push({
            traceId: s.traceId,
            spanId: s.spanId,
            ...(s.parentSpanId && { parentSpanId: s.parentSpanId }),
            name: s.name,
            startNs: nanos(s.startTimeUnixNano),
            endNs: nanos(s.endTimeUnixNano),
            attributes: attributeMap(s.attributes),
            resource,
            status: statusOf(s.status?.code),
            events: (s.events ?? []).map((e) => ({
              name: e.name,
              timeNs: nanos(e.timeUnixNano),
              attributes: attributeMap(e.attributes),
            })),
            where: { file, line: doc.line },
          });
    }
  }
  if (errors.length) throw errors.length === 1 ? errors[0]! : new ConfigErrors(errors);
  return spans;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A 1-based code-point column over a whole text → line and column. */
function position(text: string, column: number): { line: number; column: number } {
  const before = Array.from(text)
    .slice(0, column - 1)
    .join('');
  const lines = before.split('\n');
  return { line: lines.length, column: Array.from(lines.at(-1)!).length + 1 };
}

function locateInDocument(
  text: string,
  path: readonly (string | number)[],
): { line: number; column: number } {
  try {
    return parseYaml(text, '').locate(path);
  } catch (e) {
    if (e instanceof ConfigError) return { line: 1, column: 1 };
    throw e;
  }
}
