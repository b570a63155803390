import type { ResponseCache } from '../runner/cache.js';
import type { Env } from '../targets/env.js';
import type { JudgeConfig } from './judge-spec.js';

/** What compiling a grader may need beyond its spec (see compileGrader in index.ts). */
export interface CompileContext {
  /** Directory of the suite file: relative schema paths resolve from here. */
  baseDir: string;
  /** Project-level `judge:` defaults (model, endpoint, gating). */
  judge?: JudgeConfig;
  /** Where model-backed graders read API keys; without it they report a grader error when called. */
  env?: Env;
  /** Judge calls are cached like target calls when given. */
  cache?: ResponseCache;
}
