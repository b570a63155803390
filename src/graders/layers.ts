import type { GraderType } from './spec.js';

/**
 * The layers of evaluation a verdict belongs to, so a report can say which one moved:
 * deterministic hard checks, task metrics (retrieval, agent trajectories, abstention), LLM
 * judge scores, and human review (cases whose expectation a reviewer set, tagged
 * `source: human-review` by `evalgate review promote`).
 */
export type GraderLayer = 'hard-check' | 'task-metric' | 'judge' | 'human-review';

export const LAYER_LABEL: Record<GraderLayer, string> = {
  'hard-check': 'hard checks',
  'task-metric': 'task metrics',
  judge: 'judge scores',
  'human-review': 'human review',
};

const TASK_METRICS = new Set<GraderType>([
  'retrieval',
  'abstention',
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
