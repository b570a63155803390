import { ConfigErrors, type ConfigError } from '../../config/errors.js';
import type { PositionedDocument } from '../../config/yaml.js';
import type { ProductionPolicy, RecordField } from '../policy-schema.js';
import { configSection, loadConfigSection } from '../section.js';
import { RolloutSchema, TRIGGER_NAMES, type RolloutConfig, type TriggerName } from './rollout-schema.js';

const MISSING =
  "no rollback triggers: 'evalgate canary' decides nothing without a 'rollout:' section declaring them before the rollout (see the README's Canary analysis)";

/**
 * The `rollout:` section of the config at `configPath` (or of its document, already read),
 * validated, every problem at once with file:line:col. No section is an error: rollback
 * triggers are declared before a rollout, never defaulted while it runs.
 */
export function loadRolloutConfig(config: string | PositionedDocument): RolloutConfig {
  return typeof config === 'string'
    ? loadConfigSection(config, 'rollout', RolloutSchema, MISSING)
    : configSection(config, 'rollout', RolloutSchema, MISSING);
}

/** The record field each built-in trigger reads: a policy that drops it leaves the trigger blind. */
export const TRIGGER_FIELD: Readonly<Record<TriggerName, RecordField>> = {
  errorRate: 'error',
  safetyEvents: 'safetyEvents',
  refusalRate: 'refusal',
  negativeFeedback: 'feedback',
  p95LatencyMs: 'latencyMs',
  costPerInteraction: 'cost',
};

/** What the check needs of an online grader compiled against the policy (OnlineGrader). */
export interface TriggerGrader {
  name: string;
  /** Why the grader can measure no record under the policy; undefined when it can. */
  notMeasurable?: string;
}

/**
 * Every rollback trigger checked against what it will read, before any record is: a trigger
 * that can never fire is no trigger, and a rollout is the wrong moment to learn it.
 *   - a built-in trigger reading a record field `production.fields` drops;
 *   - `onlineGraders.NAME` naming no grader of `production.online`;
 *   - `onlineGraders.NAME` naming a grader the policy leaves unmeasurable.
 * Each problem located at its trigger in `doc` (the config both sections were read from),
 * all of them thrown at once, in the file's order.
 *
 * `graders`: production.online compiled against `policy` ([] when it declares none);
 * undefined when it could not be loaded (its own errors are reported), which leaves the
 * `onlineGraders` triggers unchecked rather than reported as naming nothing.
 */
export function checkRolloutTriggers(
  doc: PositionedDocument,
  rollout: RolloutConfig,
  policy: Pick<ProductionPolicy, 'fields'>,
  graders: readonly TriggerGrader[] | undefined,
): void {
  const errors: ConfigError[] = [];
  const at = (path: string[], message: string) =>
    errors.push(doc.error(['rollout', 'triggers', ...path], message));
  for (const name of TRIGGER_NAMES) {
    const field = TRIGGER_FIELD[name];
    if (rollout.triggers[name] && !policy.fields.includes(field))
      at(
        [name],
        `reads the record field '${field}', which production.fields does not keep: the trigger could never see a degradation (keep '${field}', or remove the trigger)`,
      );
  }
  if (graders)
    for (const name of Object.keys(rollout.triggers.onlineGraders ?? {})) {
      const g = graders.find((x) => x.name === name);
      if (!g)
        at(
          ['onlineGraders', name],
          `names no grader of production.online (${
            graders.length
              ? `its graders: ${graders.map((x) => `'${x.name}'`).join(', ')}`
              : 'it declares none'
          })`,
        );
      else if (g.notMeasurable)
        at(
          ['onlineGraders', name],
          `the online grader is not measurable: ${g.notMeasurable}; the trigger could never see a degradation`,
        );
    }
  if (!errors.length) return;
  if (errors.length === 1) throw errors[0]!;
  const pos = (e: ConfigError) => (e.location?.line ?? 0) * 100_000 + (e.location?.column ?? 0);
  errors.sort((a, b) => pos(a) - pos(b));
  throw new ConfigErrors(errors);
}
