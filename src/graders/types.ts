import type { Dimension } from './dimensions.js';
import type { ContextItem, GraderVerdict, TargetOutput, TokenUsage } from '../results/types.js';

/**
 * The layers of evaluation a verdict belongs to, so a report can say which one moved:
 * deterministic hard checks, task metrics (retrieval, agent trajectories, abstention), LLM
 * judge scores, and human review (cases whose expectation a reviewer set, tagged
 * `source: human-review` by `evalgate review promote`). layers.ts says which grader is which.
 */
export type GraderLayer = 'hard-check' | 'task-metric' | 'judge' | 'human-review';

/**
 * What a grader may read of the case it grades. config/load's `LoadedCase` satisfies it; it
 * is declared here, below config, because config compiles graders: graders depend on this
 * view of a case, not on the loader.
 */
export interface GradedCase {
  id: string;
  suite: string;
  description?: string;
  vars: Record<string, unknown>;
  expected?: unknown;
  reference?: string;
  context?: ContextItem[];
  /** Ids of the documents that answer the case, for the retrieval graders. */
  relevant?: string[];
  /** The evidence to answer is missing by design: the right response is to abstain. */
  unanswerable?: boolean;
  tags: Record<string, string | string[]>;
  blocker: boolean;
  repeat: number;
}

export interface GradeInput {
  case: GradedCase;
  output: TargetOutput;
  latencyMs: number;
  tokens?: TokenUsage;
  /** USD, when the price is known. */
  cost?: number;
  /** With usage but no cost: the model names looked up in the price table, none priced. */
  unpriced?: string[];
}

/** A compiled grader: its spec was validated (regexes compiled, schemas compiled) at load time. */
export interface Grader {
  readonly name: string;
  /** The grader takes its value from the case's `expected`, so a case without one is a config error. */
  readonly requiresExpected?: boolean;
  /** Why this grader may not block (its verdicts are marked advisory); undefined when it may. */
  readonly advisory?: string;
  /** Which layer of evaluation its verdicts belong to (set by compileGrader). */
  readonly layer?: GraderLayer;
  /** Which dimension of quality its verdicts measure (set by compileGrader; dimensions.ts). */
  readonly dimension?: Dimension;
  /** The grader scores against the case's `relevant` document ids: a case needs them, or `unanswerable: true`. */
  readonly requiresRelevant?: boolean;
  /** What identifies a model-backed grader's judgement (model, prompt hash, parameters), for baseline fingerprints. */
  readonly fingerprint?: Record<string, unknown>;
  grade(input: GradeInput): GraderVerdict | Promise<GraderVerdict>;
}
