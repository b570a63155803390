import type { ProductionRecord } from '../record.js';
import type { DriftFeatureName } from './config.js';
import type { FeatureSpec } from './window.js';

/**
 * The features `evalgate drift` compares, read from each production record. A feature the
 * record does not carry (a field the policy drops, tokens of a failed call) is missing
 * for that record, not zero: it is left out of that feature's counts.
 */
export const RECORD_FEATURES: (FeatureSpec<ProductionRecord> & { name: DriftFeatureName })[] = [
  { name: 'inputChars', kind: 'numeric', get: (r) => r.input?.chars },
  { name: 'outputChars', kind: 'numeric', get: (r) => r.output?.chars },
  { name: 'inputLanguage', kind: 'categorical', get: (r) => r.input?.language },
  { name: 'outputLanguage', kind: 'categorical', get: (r) => r.output?.language },
  { name: 'route', kind: 'categorical', get: (r) => r.route },
  // A record without tool calls made none (the policy keeps toolCalls only when there are some).
  { name: 'toolCalls', kind: 'numeric', get: (r) => r.toolCalls?.count ?? 0 },
  { name: 'toolBlockedRate', kind: 'rate', get: (r) => (r.toolCalls ? r.toolCalls.blocked > 0 : undefined) },
  { name: 'refusalRate', kind: 'rate', get: (r) => r.refusal },
  { name: 'errorRate', kind: 'rate', get: (r) => r.error !== undefined },
  { name: 'errorKind', kind: 'categorical', get: (r) => r.error?.kind },
  { name: 'safetyEventRate', kind: 'rate', get: (r) => (r.safetyEvents?.length ?? 0) > 0 },
  { name: 'latencyMs', kind: 'numeric', get: (r) => r.latencyMs },
  { name: 'inputTokens', kind: 'numeric', get: (r) => r.tokens?.input },
  { name: 'outputTokens', kind: 'numeric', get: (r) => r.tokens?.output },
  { name: 'costUsd', kind: 'numeric', get: (r) => r.costUsd },
  { name: 'feedbackRate', kind: 'rate', get: (r) => r.feedback !== undefined },
  {
    name: 'negativeFeedbackRate',
    kind: 'rate',
    get: (r) =>
      r.feedback === undefined
        ? undefined
        : r.feedback.rating === 'down' || (r.feedback.score !== undefined && r.feedback.score < 0),
  },
  { name: 'editRatio', kind: 'numeric', get: (r) => r.editDistance?.ratio },
];
