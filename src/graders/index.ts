import type { GraderSpec } from './spec.js';
import type { Grader } from './types.js';
import { compileHardCheck } from './hard-checks.js';

export interface CompileContext {
  /** Directory of the suite file: relative schema paths resolve from here. */
  baseDir: string;
}

/**
 * Turns a validated spec into a grader. Throws an Error whose message says what is wrong
 * (an invalid regex, an unreadable JSON Schema) — the loader adds file and line.
 */
export function compileGrader(spec: GraderSpec, ctx: CompileContext): Grader {
  return compileHardCheck(spec, ctx);
}

export { detectRefusal } from './refusal.js';
