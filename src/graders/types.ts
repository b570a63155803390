import type { GraderVerdict, TargetOutput, TokenUsage } from '../results/types.js';
import type { LoadedCase } from '../config/load.js';

export interface GradeInput {
  case: LoadedCase;
  output: TargetOutput;
  latencyMs: number;
  tokens?: TokenUsage;
  /** USD, when the price is known. */
  cost?: number;
}

/** A compiled grader: its spec was validated (regexes compiled, schemas compiled) at load time. */
export interface Grader {
  readonly name: string;
  /** The grader takes its value from the case's `expected`, so a case without one is a config error. */
  readonly requiresExpected?: boolean;
  grade(input: GradeInput): GraderVerdict | Promise<GraderVerdict>;
}
