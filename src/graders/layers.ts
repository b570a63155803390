import type { GraderType } from './spec.js';
import type { GraderLayer } from './types.js';

export const LAYER_LABEL: Record<GraderLayer, string> = {
  'hard-check': 'hard checks',
  'task-metric': 'task metrics',
  judge: 'judge scores',
  'human-review': 'human review',
};

const TASK_METRICS = new Set<GraderType>([
  'retrieval',
  'abstention',
  'faithfulness',
  'citation-support',
  'trajectory',
  'step-success',
  'openai-evals-match',
]);

export function layerOf(type: GraderType): GraderLayer {
  if (type === 'judge') return 'judge';
  return TASK_METRICS.has(type) ? 'task-metric' : 'hard-check';
}

/** The tag `evalgate review promote` puts on the cases it writes. */
export const HUMAN_REVIEW_TAG = { key: 'source', value: 'human-review' } as const;

export function isHumanReviewed(tags: Record<string, string | string[]>): boolean {
  const v = tags[HUMAN_REVIEW_TAG.key];
  return Array.isArray(v) ? v.includes(HUMAN_REVIEW_TAG.value) : v === HUMAN_REVIEW_TAG.value;
}
