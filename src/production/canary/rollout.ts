import { loadConfigSection } from '../section.js';
import { RolloutSchema, type RolloutConfig } from './rollout-schema.js';

/**
 * The `rollout:` section of the config at `configPath`, validated, every problem at once with
 * file:line:col. No section is an error: rollback triggers are declared before a rollout,
 * never defaulted while it runs.
 */
export function loadRolloutConfig(configPath: string): RolloutConfig {
  return loadConfigSection(
    configPath,
    'rollout',
    RolloutSchema,
    "no rollback triggers: 'evalgate canary' decides nothing without a 'rollout:' section declaring them before the rollout (see the README's Canary analysis)",
  );
}
