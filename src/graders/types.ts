import type { GraderLayer } from './layers.js';
import type { GraderVerdict, TargetOutput, TokenUsage } from '../results/types.js';
import type { LoadedCase } from '../config/load.js';

export interface GradeInput {
  case: LoadedCase;
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
  /** The grader scores against the case's `relevant` document ids: a case needs them, or `unanswerable: true`. */
  readonly requiresRelevant?: boolean;
  /** What identifies a model-backed grader's judgement (model, prompt hash, parameters), for baseline fingerprints. */
  readonly fingerprint?: Record<string, unknown>;
  grade(input: GradeInput): GraderVerdict | Promise<GraderVerdict>;
}
