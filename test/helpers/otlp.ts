/**
 * OTLP/JSON trace documents built in tests, in the shape exporters write: attributes as
 * `{key, value: {stringValue | intValue | arrayValue …}}`, times as decimal strings.
 */

export type Attr = string | number | boolean | string[];

/** A JS value → OTLP `AnyValue`; integers become string `intValue`s, as the proto3 JSON mapping writes them. */
export function anyValue(v: Attr): Record<string, unknown> {
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

export const attrs = (o: Record<string, Attr>) =>
  Object.entries(o).map(([key, value]) => ({ key, value: anyValue(value) }));

export interface TestSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name?: string;
  startMs: number;
  durationMs: number;
  attributes: Record<string, Attr>;
  error?: boolean;
}

const ns = (ms: number) => (BigInt(Math.round(ms * 1000)) * 1000n).toString();

/** One `ExportTraceServiceRequest` with the spans under one resource. */
export function tracesDocument(spans: readonly TestSpan[], resource: Record<string, Attr> = {}): object {
  return {
    resourceSpans: [
      {
        resource: { attributes: attrs({ 'service.name': 'test-app', ...resource }) },
        scopeSpans: [
          {
            scope: { name: 'test-instrumentation', version: '1.0.0' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId && { parentSpanId: s.parentSpanId }),
              name: s.name ?? 'chat',
              kind: 3,
              startTimeUnixNano: ns(s.startMs),
              endTimeUnixNano: ns(s.startMs + s.durationMs),
              attributes: attrs(s.attributes),
              status: s.error ? { code: 2, message: 'failed' } : {},
            })),
          },
        ],
      },
    ],
  };
}

/** `n` hex digits from a seeded random source. */
export function hex(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(r() * 16).toString(16);
  return s;
}
