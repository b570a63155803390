/**
 * evalgate's own OpenTelemetry attributes: what the OTLP ingester reads from a span (else
 * from its resource), and what the evaluation events carry. Alone in this file so the
 * `export` command's chunk (the evaluation events) carries none of the production code.
 */
export const EVALGATE_OTEL_ATTRIBUTES = {
  systemVersion: 'evalgate.system_version',
  promptVersion: 'evalgate.prompt_version',
  modelVersion: 'evalgate.model_version',
  retrievalVersion: 'evalgate.retrieval_version',
  route: 'evalgate.route',
  riskTags: 'evalgate.risk_tags',
} as const;
