import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, ConfigErrors } from '../../config/errors.js';
import { parseYamlFast } from '../../config/yaml.js';
import { RolloutSchema, type RolloutConfig } from './rollout-schema.js';

/**
 * The `rollout:` section of the config at `configPath`, validated, every problem at once with
 * file:line:col. No section is an error: rollback triggers are declared before a rollout,
 * never defaulted while it runs.
 */
export function loadRolloutConfig(configPath: string): RolloutConfig {
  const file = resolve(configPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? 'config file not found' : `cannot read config file: ${code}`, {
      file,
    });
  }
  const doc = parseYamlFast(text, file);
  const section = (doc.value as { rollout?: unknown } | null)?.rollout;
  if (section === undefined || section === null) {
    throw new ConfigError(
      "no rollback triggers: 'evalgate canary' decides nothing without a 'rollout:' section declaring them before the rollout (see the README's Canary analysis)",
      { file, ...doc.locate([]) },
    );
  }
  const parsed = RolloutSchema.safeParse(section);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => {
    const path = ['rollout', ...(issue.path as (string | number)[])];
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`
        : issue.message.replace(/^Invalid input: /, '');
    return doc.error(path, message);
  });
  throw errors.length === 1 ? errors[0]! : new ConfigErrors(errors);
}
