/**
 * `evalgate/production`: the instrumentation helper an application imports to turn each
 * interaction into a production record under the privacy policy of its evalgate.yml.
 *
 * ```ts
 * import { createRecorder, JsonlSink, loadProductionPolicy } from 'evalgate/production';
 * const recorder = createRecorder({
 *   policy: loadProductionPolicy('evalgate.yml'),
 *   versions: versionsJson.targets['support-bot'], // from `evalgate versions --json`
 *   sink: new JsonlSink('records/2026-12-07.jsonl'),
 * });
 * recorder.record({ requestId, userId, route: 'billing', input, output, latencyMs });
 * ```
 */
export { loadProductionPolicy, ProductionPolicySchema, type ProductionPolicy } from './policy.js';
export { DETECTOR_KINDS, RECORD_FIELDS, type DetectorKind, type RecordField } from './policy-schema.js';
export {
  assertConforms,
  InteractionSchema,
  PolicyViolation,
  RECORD_SCHEMA_VERSION,
  samplingRate,
  toRecord,
  type Interaction,
  type ProductionRecord,
  type RecordOptions,
  type RecordVersions,
  type TextFeatures,
} from './record.js';
export { createRecorder, JsonlSink, type Recorder, type RecordSink } from './sink.js';
export { hasherFromEnv, KeyedHasher, type HashDomain } from './hash.js';
export { createRedactor, type Finding, type Redaction, type Redactor } from './redact/index.js';
export { editDistance, guessLanguage } from './features.js';
