import { dirname, resolve } from 'node:path';
import { combineConfigErrors, ConfigError, ConfigErrors, UsageError } from '../config/errors.js';
import { decideCanary, type CanaryDecision } from '../production/canary/decide.js';
import { readRecordSlices } from '../production/canary/records.js';
import { checkRolloutTriggers, loadRolloutConfig } from '../production/canary/rollout.js';
import type { RolloutConfig } from '../production/canary/rollout-schema.js';
import { loadOnlineGraders, type OnlineGraderEntry } from '../production/online/config.js';
import { compileOnlineGraders, type OnlineGrader } from '../production/online/grade.js';
import { loadProductionPolicy, type ProductionPolicy } from '../production/policy.js';
import type { ProductionRecord } from '../production/record.js';
import { readConfigDocument } from '../production/section.js';
import { inlineCode } from '../report/escape.js';
import { expandFlagGlobs } from '../util/glob.js';

export interface CanaryConfig {
  policy: ProductionPolicy;
  rollout: RolloutConfig;
  /** The online graders the rollout's `onlineGraders` triggers name, compiled against the policy. */
  graders: OnlineGrader[];
}

/**
 * What `evalgate canary` decides by, loaded and checked before any record is read: the
 * privacy policy, the rollback triggers, the online graders they name, and every trigger
 * against what it will read (checkRolloutTriggers). Every problem found at once, each at
 * file:line:col: a blind trigger is a config error, never a surprise in mid-rollout.
 */
export function loadCanaryConfig(configPath: string): CanaryConfig {
  const doc = readConfigDocument(configPath);
  const policy = attempt(() => loadProductionPolicy(configPath));
  const rollout = attempt(() => loadRolloutConfig(doc));
  const loadError = combineConfigErrors(policy.error, rollout.error);
  if (loadError) throw loadError;
  const online = attempt(() =>
    triggerGraders(configPath, rollout.value!, policy.value!, () =>
      policy.value!.online ? loadOnlineGraders(configPath) : [],
    ),
  );
  const checked = attempt(() => checkRolloutTriggers(doc, rollout.value!, policy.value!, online.value));
  const error = combineConfigErrors(online.error, checked.error);
  if (error) throw error;
  return { policy: policy.value!, rollout: rollout.value!, graders: online.value! };
}

/**
 * `evalgate validate`'s check of a valid `rollout:` section, the one loadCanaryConfig makes.
 * `policy` undefined is `production:` left out (an error here: the canary reads no record
 * without it) or invalid (its errors are the caller's, so the triggers go unchecked).
 * `online`: production.online's entries, [] when it declares none, undefined when they did
 * not load (their errors are the caller's).
 */
export function checkRollout(
  configPath: string,
  rollout: RolloutConfig,
  policy: ProductionPolicy | undefined,
  online: readonly OnlineGraderEntry[] | undefined,
): void {
  const doc = readConfigDocument(configPath);
  if (!policy) {
    if ((doc.value as { production?: unknown } | null)?.production == null)
      throw doc.error(
        ['rollout'],
        "'evalgate canary' reads no record without a 'production:' section: declare the privacy policy the records are written under (see the README's Production section)",
      );
    return;
  }
  const graders = online && triggerGraders(configPath, rollout, policy, () => online);
  checkRolloutTriggers(doc, rollout, policy, graders);
}

/** The online graders the rollout's triggers name, compiled against the policy; none when no trigger names one. */
function triggerGraders(
  configPath: string,
  rollout: RolloutConfig,
  policy: ProductionPolicy,
  entries: () => readonly OnlineGraderEntry[],
): OnlineGrader[] {
  if (!Object.keys(rollout.triggers.onlineGraders ?? {}).length) return [];
  return compileOnlineGraders(entries(), policy, { baseDir: dirname(configPath) });
}

/** `f`'s value, or the config error it threw (any other error is thrown on). */
function attempt<T>(f: () => T): { value?: T; error?: ConfigError | ConfigErrors } {
  try {
    return { value: f() };
  } catch (e) {
    if (e instanceof ConfigError || e instanceof ConfigErrors) return { error: e };
    throw e;
  }
}

/**
 * The verdicts of the online graders the rollout's `onlineGraders` triggers name, on every
 * record that does not carry them yet (records written by `evalgate grade --out` already
 * do). loadCanaryConfig has made sure each names a measurable grader.
 */
function gradeOnline(config: CanaryConfig, records: ProductionRecord[]): void {
  for (const name of Object.keys(config.rollout.triggers.onlineGraders ?? {})) {
    const g = config.graders.find((x) => x.name === name)!;
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
 * and the rollback triggers first, each checked against what it will read (loadCanaryConfig;
 * without them nothing is read), the records of both versions read, online graders run where
 * a trigger needs their verdicts, then the decision; a version no record carries is said in
 * the reasons.
 */
export function canaryStage(options: CanaryStageOptions): CanaryDecision {
  const configPath = resolve(options.cwd, options.configPath);
  const config = loadCanaryConfig(configPath);
  if (!options.records.length)
    throw new UsageError('canary needs --records GLOB: the production records files');
  if (!options.canary || !options.control)
    throw new UsageError('canary needs --canary VERSION and --control VERSION (system version ids)');
  if (options.canary === options.control)
    throw new UsageError('--canary and --control name the same version');
  const files = expandFlagGlobs(options.cwd, options.records);
  const slices = readRecordSlices(files, options.canary, options.control);
  gradeOnline(config, [...slices.canary, ...slices.control]);
  const decision = decideCanary(slices.canary, slices.control, config.rollout, {
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
