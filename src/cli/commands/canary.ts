import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../config/errors.js';
import { decideCanary } from '../../production/canary/decide.js';
import { readRecordSlices } from '../../production/canary/records.js';
import { canaryMarkdown } from '../../production/canary/report.js';
import { loadRolloutConfig } from '../../production/canary/rollout.js';
import { TRIGGER_NAMES, type TriggerName } from '../../production/canary/rollout-schema.js';
import type { RecordField } from '../../production/policy-schema.js';
import { loadOnlineGraders } from '../../production/online/config.js';
import { compileOnlineGraders } from '../../production/online/grade.js';
import { loadProductionPolicy } from '../../production/policy.js';
import type { ProductionRecord } from '../../production/record.js';
import { inlineCode, terminalText } from '../../report/escape.js';
import { expandGlob, isGlob } from '../../util/glob.js';
import type { CommandHandler } from '../types.js';

const HELP = `Usage: evalgate canary --records GLOB [--records GLOB]... --canary VERSION --control VERSION
                      [--look N] [--json] [--out FILE] [--config FILE]

Compares the production records of the canary's system version id with the control's
under the rollback triggers of evalgate.yml's 'rollout:' section, and decides:
  promote   every trigger is within its tolerance, with confidence
  continue  not yet decided (too few records: says how many more are needed)
  rollback  a trigger is degraded beyond its tolerance, with confidence

The statistics stay valid however often the canary is checked (confidence sequences):
the chance of ever rolling back an unchanged canary is at most rollout.alpha over every
look and trigger together.

  --records GLOB     records files (JSONL, or JSONL gzip for .gz), repeatable; the
                     onlineGraders triggers grade records that carry no verdict yet
  --canary VERSION   the canary's system version id (records' versions.system)
  --control VERSION  the control's system version id
  --look N           this check's number, shown in the report (default 1)
  --json             print the decision JSON instead of the Markdown report
  --out FILE         also write the decision JSON to FILE
  -c, --config FILE  project config with 'production:' and 'rollout:' (default: evalgate.yml)
      --all-errors   list every config error, not the first 25

Exit 0 on promote or continue, 1 on rollback, 2 on no triggers, no policy or bad input.
`;

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

export const canaryCommand: CommandHandler = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      records: { type: 'string', multiple: true },
      canary: { type: 'string' },
      control: { type: 'string' },
      look: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      config: { type: 'string', short: 'c', default: 'evalgate.yml' },
      'all-errors': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  // The policy and the triggers first: without them, nothing is read.
  const configPath = resolve(io.cwd, values.config);
  const policy = loadProductionPolicy(configPath);
  const rollout = loadRolloutConfig(configPath);
  for (const name of TRIGGER_NAMES)
    if (rollout.triggers[name] && !policy.fields.includes(FIELD[name]))
      throw new UsageError(
        `rollout.triggers.${name} reads the record field '${FIELD[name]}', which production.fields does not keep: the trigger could never see a degradation`,
      );
  if (!values.records?.length)
    throw new UsageError('canary needs --records GLOB: the production records files');
  if (!values.canary || !values.control)
    throw new UsageError('canary needs --canary VERSION and --control VERSION (system version ids)');
  if (values.canary === values.control) throw new UsageError('--canary and --control name the same version');
  if (!/^[1-9][0-9]{0,8}$/.test(values.look)) throw new UsageError('--look takes a positive whole number');
  const files: string[] = [];
  for (const pattern of values.records) {
    const matched = expandGlob(io.cwd, pattern);
    if (matched.length === 0)
      throw new UsageError(
        isGlob(pattern) ? `--records '${pattern}' matches no file` : `records file not found: ${pattern}`,
      );
    for (const f of matched) if (!files.includes(f)) files.push(f);
  }
  const slices = readRecordSlices(files, values.canary, values.control);
  gradeOnline(configPath, policy, rollout.triggers.onlineGraders, [...slices.canary, ...slices.control]);
  const decision = decideCanary(slices.canary, slices.control, rollout, {
    canary: values.canary,
    control: values.control,
    look: Number(values.look),
  });
  for (const [side, id] of [
    ['canary', values.canary],
    ['control', values.control],
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
  const json = `${JSON.stringify(decision, null, 2)}\n`;
  if (values.out) writeFileSync(resolve(io.cwd, values.out), json);
  io.stdout(values.json ? json : terminalText(canaryMarkdown(decision), { maxLength: 200_000 }));
  return decision.decision === 'rollback' ? 1 : 0;
};
