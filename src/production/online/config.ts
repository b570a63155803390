import { z } from 'zod';
import { ConfigError } from '../../config/errors.js';
import {
  GraderSpecSchema,
  normalizeGraderInput,
  type GraderSpec,
  type GraderType,
} from '../../graders/spec.js';
import { loadConfigSection } from '../section.js';

/**
 * `production.online:` in evalgate.yml: the graders that run on production records
 * (`evalgate grade`) and on both arms of a shadow run (`evalgate shadow`). Each entry is a
 * suite grader spec, written as in a suite file, plus:
 *
 *   routes  only records of these routes are graded (a JSON schema holds for one endpoint's
 *           answers, not for every route's); default every record
 *   gate    a shadow run fails (exit 1) when the candidate is significantly worse on it;
 *           default true
 *
 * Why a list of its own rather than every judge-free grader of every suite: a suite's graders
 * are written for its cases. A `refusal` grader expecting a refusal is right on a jailbreak
 * suite and wrong on ordinary traffic; a `contains` grader checks one case's answer. Which
 * grader holds for which production traffic is a decision someone writes down, here.
 *
 * Only the graders that read nothing but the output, its tool calls and the record's own
 * measurements: judges never run online (no calls are made on production data, and a judge's
 * verdicts are not reproducible), and graders that need a case's `expected`, `vars`,
 * contexts or relevant documents have nothing to read in a record.
 */
export const ONLINE_GRADER_TYPES = [
  'canary',
  'pii',
  'json-schema',
  'is-json',
  'regex',
  'contains',
  'contains-any',
  'contains-all',
  'refusal',
  'tool-boundaries',
  'latency',
  'tokens',
  'cost',
] as const satisfies readonly GraderType[];
export type OnlineGraderType = (typeof ONLINE_GRADER_TYPES)[number];

export interface OnlineGraderEntry {
  /** The grader's name: its `name`, else its type; unique in the list. */
  name: string;
  spec: GraderSpec & { type: OnlineGraderType };
  routes?: string[];
  gate: boolean;
}

const EXTRA = {
  routes: z.array(z.string().min(1).max(200)).min(1).optional(),
  gate: z.boolean().default(true),
};

const OnlineEntrySchema = z.looseObject(EXTRA).transform((entry, ctx): OnlineGraderEntry => {
  const { routes, gate, ...rest } = entry;
  const parsed = GraderSpecSchema.safeParse(normalizeGraderInput(rest));
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      ctx.addIssue({
        code: 'custom',
        path: issue.path as (string | number)[],
        message:
          issue.code === 'unrecognized_keys'
            ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`
            : issue.message.replace(/^Invalid input: /, ''),
      });
    return z.NEVER;
  }
  const spec = parsed.data;
  if (!(ONLINE_GRADER_TYPES as readonly string[]).includes(spec.type)) {
    ctx.addIssue({
      code: 'custom',
      path: ['type'],
      message:
        spec.type === 'judge'
          ? 'judges never run online: production data is not sent to a model, and a judge is not reproducible'
          : `'${spec.type}' cannot run on production records (it needs a case's expected answer, vars, contexts or documents); online graders: ${ONLINE_GRADER_TYPES.join(', ')}`,
    });
    return z.NEVER;
  }
  if (spec.type === 'refusal' && spec.judge) {
    ctx.addIssue({ code: 'custom', path: ['judge'], message: 'judges never run online: leave out `judge`' });
    return z.NEVER;
  }
  if (spec.type === 'canary' && spec.vars?.length) {
    ctx.addIssue({
      code: 'custom',
      path: ['vars'],
      message: 'production records have no case vars: name the planted canaries in `values`',
    });
    return z.NEVER;
  }
  if (
    (spec.type === 'contains' && spec.value === undefined) ||
    ((spec.type === 'contains-any' || spec.type === 'contains-all') && spec.values === undefined)
  ) {
    ctx.addIssue({
      code: 'custom',
      path: [spec.type === 'contains' ? 'value' : 'values'],
      message: "production records have no case 'expected': give the value here",
    });
    return z.NEVER;
  }
  const name = spec.name ?? (spec.not ? `not-${spec.type}` : spec.type);
  return {
    name,
    spec: spec as OnlineGraderEntry['spec'],
    ...(routes && { routes }),
    gate,
  };
});

export const OnlineGradersSchema = z
  .array(OnlineEntrySchema)
  .min(1)
  .superRefine((entries, ctx) => {
    const seen = new Set<string>();
    entries.forEach((e, i) => {
      if (seen.has(e.name))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `two online graders are named '${e.name}': give one a distinct 'name' (rollout triggers refer to them by name)`,
        });
      seen.add(e.name);
    });
  });

/**
 * `production.online` of the config at `configPath`, every entry validated as a grader spec,
 * each problem at file:line:col. No list is an error (`evalgate grade` has nothing to run).
 */
export function loadOnlineGraders(configPath: string): OnlineGraderEntry[] {
  const section = loadConfigSection(
    configPath,
    'production',
    z.looseObject({ online: OnlineGradersSchema.optional() }),
    "no production policy: production commands read and write nothing without a 'production:' section (see the README's Production section)",
  );
  if (!section.online)
    throw new ConfigError(
      "no online graders: list them under 'production.online' (see the README's Online graders)",
      { file: configPath },
    );
  return section.online;
}
