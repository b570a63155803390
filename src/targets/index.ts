import type { TargetSpec } from '../config/schema.js';
import { createCommandTarget } from './command.js';
import type { TargetContext } from './context.js';
import { createHttpTarget } from './http.js';
import { createOpenAITarget } from './openai.js';
import type { Target } from './types.js';

/**
 * Builds the target for one entry of `targets:` in evalgate.yml. Every config problem (a
 * missing prompt or model file, an unset environment variable, bad template syntax, an
 * unknown model parameter) is thrown here as ConfigError, before any request is made.
 */
export function createTarget(name: string, spec: TargetSpec, ctx: TargetContext): Target {
  switch (spec.type) {
    case 'openai':
      return createOpenAITarget(name, spec, ctx);
    case 'http':
      return createHttpTarget(name, spec, ctx);
    case 'command':
      return createCommandTarget(name, spec, ctx);
  }
}

export type { TargetContext } from './context.js';
export { templateIncludes, loadPrompt, type ChatMessage, type PromptTemplate } from './template.js';
export { MODEL_PARAMETERS, loadModelConfig, type ModelConfig, type ModelParams } from './model-config.js';
export {
  TargetError,
  type Target,
  type CaseInput,
  type PreparedRequest,
  type InvokeResult,
  type InvokeOptions,
} from './types.js';
