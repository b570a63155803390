import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_EVALUATION_EXPLANATION,
  ATTR_GEN_AI_EVALUATION_NAME,
  ATTR_GEN_AI_EVALUATION_SCORE_LABEL,
  ATTR_GEN_AI_EVALUATION_SCORE_VALUE,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  EVENT_GEN_AI_EVALUATION_RESULT,
} from '@opentelemetry/semantic-conventions/incubating';
import type { GraderVerdict, ResultsDocument } from '../results/types.js';
import { EVALGATE_OTEL_ATTRIBUTES } from './otlp-attributes.js';

/**
 * evalgate's Results → `gen_ai.evaluation.result` events, as an OTLP/JSON logs document
 * (`ExportLogsServiceRequest`: `resourceLogs → scopeLogs → logRecords`), so the team's
 * tracing backend shows offline evaluations beside production traces. Any OTLP/HTTP JSON
 * exporter or the Collector's `otlpjsonfile` receiver sends the file on.
 *
 * The conventions make an evaluation result an event, and events are log records with an
 * `eventName` (not span events, which they are moving away from). One event per grader
 * verdict per sample; verdicts the grader excluded itself from are left out. Per event:
 *
 * - `gen_ai.evaluation.name`: the grader (its type, or its `name`);
 * - `gen_ai.evaluation.score.value`: its score in [0, 1];
 * - `gen_ai.evaluation.score.label`: `pass`, `fail`, or `error` (a grader that could not
 *   decide, with `error.type` `grader_error`);
 * - `gen_ai.evaluation.explanation`: its one-line reason;
 * - `gen_ai.response.id` when the target reported one (the conventions' link to the span
 *   evaluated when no span id is known; suite runs have none), `gen_ai.request.model` /
 *   `gen_ai.response.model` when known;
 * - evalgate's own: `evalgate.suite`, `evalgate.case`, `evalgate.sample`, `evalgate.blocker`,
 *   `evalgate.advisory` (true for an advisory judge), `evalgate.run_id`, and the target's
 *   `evalgate.system_version` (the attribute the OTLP ingester reads back).
 *
 * No output, input or case text is copied: only the graders' one-line reasons, as the JUnit
 * report shows them (the PII grader's reason masks what it found).
 */

type OtlpValue =
  { stringValue: string } | { boolValue: boolean } | { intValue: string } | { doubleValue: number };
export interface OtlpKeyValue {
  key: string;
  value: OtlpValue;
}

/** Explanations are one-line reasons; a longer one is cut so one event stays small. */
const EXPLANATION_LIMIT = 2000;

/** SEVERITY_NUMBER_INFO. */
const INFO = 9;

function value(v: string | number | boolean): OtlpValue {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

const kv = (key: string, v: string | number | boolean): OtlpKeyValue => ({ key, value: value(v) });

function unixNano(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? '0' : (BigInt(ms) * 1_000_000n).toString();
}

function label(v: GraderVerdict): 'pass' | 'fail' | 'error' {
  if (v.error) return 'error';
  return v.pass ? 'pass' : 'fail';
}

/** The Results document as one OTLP/JSON logs document of `gen_ai.evaluation.result` events. */
export function evaluationEvents(results: ResultsDocument): object {
  const time = unixNano(results.run.finishedAt);
  const logRecords: object[] = [];
  for (const suite of results.suites) {
    const target = results.run.targets[suite.target];
    for (const c of suite.cases)
      for (const sample of c.samples)
        for (const verdict of sample.graders) {
          if (verdict.excluded) continue;
          const attributes: OtlpKeyValue[] = [
            kv(ATTR_GEN_AI_EVALUATION_NAME, verdict.grader),
            // Always a double, even at 0 or 1: backends type an attribute by its first value.
            { key: ATTR_GEN_AI_EVALUATION_SCORE_VALUE, value: { doubleValue: verdict.score } },
            kv(ATTR_GEN_AI_EVALUATION_SCORE_LABEL, label(verdict)),
          ];
          if (verdict.reason)
            attributes.push(
              kv(ATTR_GEN_AI_EVALUATION_EXPLANATION, verdict.reason.slice(0, EXPLANATION_LIMIT)),
            );
          if (verdict.error) attributes.push(kv(ATTR_ERROR_TYPE, 'grader_error'));
          if (sample.output?.requestId) attributes.push(kv(ATTR_GEN_AI_RESPONSE_ID, sample.output.requestId));
          if (target?.model) attributes.push(kv(ATTR_GEN_AI_REQUEST_MODEL, target.model));
          if (sample.output?.model) attributes.push(kv(ATTR_GEN_AI_RESPONSE_MODEL, sample.output.model));
          attributes.push(
            kv('evalgate.suite', suite.id),
            kv('evalgate.case', c.id),
            kv('evalgate.sample', sample.index),
            kv('evalgate.blocker', c.blocker),
            kv('evalgate.run_id', results.run.id),
          );
          if (verdict.advisory) attributes.push(kv('evalgate.advisory', true));
          if (target?.systemVersion)
            attributes.push(kv(EVALGATE_OTEL_ATTRIBUTES.systemVersion, target.systemVersion));
          logRecords.push({
            timeUnixNano: time,
            observedTimeUnixNano: time,
            severityNumber: INFO,
            severityText: 'INFO',
            eventName: EVENT_GEN_AI_EVALUATION_RESULT,
            attributes,
          });
        }
  }
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            kv(ATTR_SERVICE_NAME, 'evalgate'),
            kv(ATTR_SERVICE_VERSION, results.run.evalgateVersion),
            ...(results.run.gitSha ? [kv('evalgate.git_sha', results.run.gitSha)] : []),
          ],
        },
        scopeLogs: [{ scope: { name: 'evalgate', version: results.run.evalgateVersion }, logRecords }],
      },
    ],
  };
}

/** `evaluationEvents` as the file's text. */
export function renderEvaluationEvents(results: ResultsDocument): string {
  return `${JSON.stringify(evaluationEvents(results))}\n`;
}
