export { createPlan, planFromGit, type CreatePlanOptions, type PlanFromGitOptions } from './plan.js';
export { formatPlanJson, parsePlan, readPlan, suitesInPlan } from './document.js';
export { renderPlanText, describeEffect, describeReason } from './render.js';
export { versionsForWorkingTree, type SystemVersions } from './versions.js';
export {
  COMPONENT_KINDS,
  ComponentSchema,
  ComponentsSchema,
  type ComponentKind,
  type ComponentSpec,
} from './schema.js';
export {
  PLAN_SCHEMA_VERSION,
  PlanSchema,
  type Change,
  type FileChange,
  type Plan,
  type PlannedSuite,
  type Reason,
} from './types.js';
export { MODEL_PARAM_KEYS } from './model.js';
