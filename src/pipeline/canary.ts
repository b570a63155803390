import { dirname, resolve } from 'node:path';
import { UsageError } from '../config/errors.js';
import { decideCanary, type CanaryDecision } from '../production/canary/decide.js';
import { readRecordSlices } from '../production/canary/records.js';
import { loadRolloutConfig } from '../production/canary/rollout.js';
import { TRIGGER_NAMES, type TriggerName } from '../production/canary/rollout-schema.js';
import { loadOnlineGraders } from '../production/online/config.js';
import { compileOnlineGraders } from '../production/online/grade.js';
import type { RecordField } from '../production/policy-schema.js';
import { loadProductionPolicy } from '../production/policy.js';
import type { ProductionRecord } from '../production/record.js';
import { inlineCode } from '../report/escape.js';
import { expandFlagGlobs } from '../util/glob.js';

/** The record field each trigger reads: a policy that drops it leaves the trigger blind. */
const FIELD: Record<TriggerName, RecordField> = {
  errorRate: 'error',
  safetyEvents: 'safetyEvents',
  refusalRate: 'refusal',
  negativeFeedback: 'feedback',
  p95LatencyMs: 'latencyMs',
  costPerInteraction: 'cost',
};

/**
 * The online graders the rollout's `onlineGraders` triggers name, run on every record that
 * does not carry their verdict yet (records written by `evalgate grade --out` already do).
 * A trigger naming no grader of `production.online`, or one the policy leaves blind, is a
 * usage error: a trigger that can never fire is no trigger.
 */
function gradeOnline(
  configPath: string,
  policy: ReturnType<typeof loadProductionPolicy>,
  triggers: Record<string, unknown> | undefined,
  records: ProductionRecord[],
): void {
  const names = Object.keys(triggers ?? {});
  if (!names.length) return;
  const entries = loadOnlineGraders(configPath);
  const graders = compileOnlineGraders(entries, policy, { baseDir: dirname(configPath) });
  for (const name of names) {
    const g = graders.find((x) => x.name === name);
    if (!g)
      throw new UsageError(
        `rollout.triggers.onlineGraders.${name} names no grader of production.online (${graders.map((x) => x.name).join(', ')})`,
      );
    if (g.notMeasurable)
      throw new UsageError(
        `rollout.triggers.onlineGraders.${name}: the online grader is not measurable: ${g.notMeasurable}; the trigger could never see a degradation`,
      );
    for (const r of records) {
      if (typeof r.online?.[name] === 'boolean') continue;
      const o = g.measure(r);
      if (o.status === 'pass' || o.status === 'fail' || o.status === 'error')
        r.online = { ...r.online, [name]: o.status === 'pass' };
    }
  }
}

export interface CanaryStageOptions {
  /** The config with 'production:' and 'rollout:'. */
  configPath: string;
  /** Where record globs are expanded from. */
  cwd: string;
  /** Records files or globs (JSONL, or gzip JSONL for .gz); each must match a file. */
  records: readonly string[];
  canary: string;
  control: string;
  look: number;
}

/**
 * The canary stage as `evalgate canary` and the Action's canary mode both run it: the policy
 * and the rollback triggers first (without them nothing is read), each trigger checked
 * against the fields the policy keeps, the records of both versions read, online graders
 * run where a trigger needs their verdicts, then the decision; a version no record carries
 * is said in the reasons.
 */
export function canaryStage(options: CanaryStageOptions): CanaryDecision {
  const configPath = resolve(options.cwd, options.configPath);
  const policy = loadProductionPolicy(configPath);
  const rollout = loadRolloutConfig(configPath);
  for (const name of TRIGGER_NAMES)
    if (rollout.triggers[name] && !policy.fields.includes(FIELD[name]))
      throw new UsageError(
        `rollout.triggers.${name} reads the record field '${FIELD[name]}', which production.fields does not keep: the trigger could never see a degradation`,
      );
  if (!options.records.length)
    throw new UsageError('canary needs --records GLOB: the production records files');
  if (!options.canary || !options.control)
    throw new UsageError('canary needs --canary VERSION and --control VERSION (system version ids)');
  if (options.canary === options.control)
    throw new UsageError('--canary and --control name the same version');
  const files = expandFlagGlobs(options.cwd, options.records);
  const slices = readRecordSlices(files, options.canary, options.control);
  gradeOnline(configPath, policy, rollout.triggers.onlineGraders, [...slices.canary, ...slices.control]);
  const decision = decideCanary(slices.canary, slices.control, rollout, {
    canary: options.canary,
    control: options.control,
    look: options.look,
  });
  for (const [side, id] of [
    ['canary', options.canary],
    ['control', options.control],
  ] as const)
    if (!slices.versions.has(id))
      decision.reasons.push(
        `no record carries the ${side} version ${inlineCode(id)}; versions seen: ${
          [...slices.versions.keys()]
            .slice(0, 10)
            .map((v) => inlineCode(v))
            .join(', ') || 'none'
        }`,
      );
  return decision;
}
