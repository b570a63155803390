import type { GraderSpec } from './spec.js';
import type { Grader } from './types.js';
import { layerOf } from './layers.js';
import { defaultDimension } from './dimensions.js';
import { compileStepSuccess, compileToolBoundaries, compileTrajectory } from './agent.js';
import { compileHardCheck } from './hard-checks.js';
import { compileAbstention, compileRetrieval } from './rag.js';
import { compileCitationSupport, compileFaithfulness } from './faithfulness.js';
import { compileCanary, compilePii } from './safety.js';
import { compileJudge } from './judge.js';
import { compileRefusalWithJudge } from './refusal-judge.js';
import { compileOpenAIEvalsMatch } from '../importers/openai-evals.js';
import type { CompileContext } from './context.js';

/**
 * Turns a validated spec into a grader. Throws an Error whose message says what is wrong
 * (an invalid regex, an unreadable JSON Schema) — the loader adds file and line.
 */
export function compileGrader(spec: GraderSpec, ctx: CompileContext): Grader {
  // A refusal or faithfulness grader that asks a judge is as trustworthy as the judge: the judge layer.
  const layer =
    (spec.type === 'refusal' || spec.type === 'faithfulness') && spec.judge ? 'judge' : layerOf(spec.type);
  const dimension =
    spec.dimension ?? defaultDimension(spec.type, 'expect' in spec ? { expect: spec.expect } : undefined);
  return Object.assign(compileBySpec(spec, ctx), { layer, dimension });
}

function compileBySpec(spec: GraderSpec, ctx: CompileContext): Grader {
  switch (spec.type) {
    case 'retrieval':
      return compileRetrieval(spec);
    case 'abstention':
      return compileAbstention(spec);
    case 'faithfulness':
      return compileFaithfulness(spec, ctx);
    case 'citation-support':
      return compileCitationSupport(spec);
    case 'trajectory':
      return compileTrajectory(spec, ctx);
    case 'tool-boundaries':
      return compileToolBoundaries(spec);
    case 'step-success':
      return compileStepSuccess(spec);
    case 'canary':
      return compileCanary(spec);
    case 'pii':
      return compilePii(spec);
    case 'judge':
      return compileJudge(spec, ctx);
    case 'refusal':
      return spec.judge ? compileRefusalWithJudge(spec, ctx) : compileHardCheck(spec, ctx);
    case 'openai-evals-match':
      return compileOpenAIEvalsMatch(spec);
    default:
      return compileHardCheck(spec, ctx);
  }
}

export type { CompileContext };
export { detectRefusal } from './refusal.js';
