import { inlineCode } from '../report/escape.js';
import { loadConfigSection } from './section.js';
import {
  DETECTOR_KINDS,
  ProductionPolicySchema,
  RECORD_FIELDS,
  type ProductionPolicy,
} from './policy-schema.js';

export { ProductionPolicySchema, type ProductionPolicy } from './policy-schema.js';

/**
 * The `production:` section of the config at `configPath`, validated: every problem in it
 * at once, each with file, line and column (ConfigErrors). Only this section is read: a
 * production job needs no suite or target to be loadable.
 *
 * No section is an error, not a default policy: production data is never sampled without
 * a policy someone wrote down.
 */
export function loadProductionPolicy(configPath: string): ProductionPolicy {
  return loadConfigSection(
    configPath,
    'production',
    ProductionPolicySchema,
    "no production policy: production commands read and write nothing without a 'production:' section (see the README's Production section)",
  );
}

/** The effective policy, every default filled in, as JSON (`evalgate policy --json`). */
export function policyJson(policy: ProductionPolicy, env: Record<string, string | undefined>): string {
  return `${JSON.stringify({ ...policy, hashKeySet: Boolean(env[policy.hashKeyEnv]) }, null, 2)}\n`;
}

/**
 * The effective policy as Markdown: what is sampled, kept, redacted, hashed and for how long.
 * `env` null (the generated eval policy, `evalgate docs`) leaves out whether this machine has
 * the hash key, so the text depends on the policy alone.
 */
export function policyMarkdown(
  policy: ProductionPolicy,
  env: Record<string, string | undefined> | null,
): string {
  const { sampling, redaction } = policy;
  const pct = (r: number) => `${+(r * 100).toFixed(4)} %`;
  const lines = ['# Production privacy policy', '', '## Sampling', ''];
  lines.push(`- default rate: ${pct(sampling.rate)}`);
  for (const [route, r] of Object.entries(sampling.byRoute))
    lines.push(`- route ${inlineCode(route)}: ${pct(r)}`);
  for (const [tag, r] of Object.entries(sampling.byRisk))
    lines.push(`- risk tag ${inlineCode(tag)}: ${pct(r)}`);
  lines.push(
    '',
    "A risk tag's rate overrides its route's, which overrides the default; with several risk tags the highest applies.",
    '',
    '## Kept',
    '',
    `- fields: ${policy.fields.map((f) => `\`${f}\``).join(', ') || 'none'}`,
    `- dropped: ${
      RECORD_FIELDS.filter((f) => !policy.fields.includes(f))
        .map((f) => `\`${f}\``)
        .join(', ') || 'none'
    }`,
    `- input and output text: ${policy.retainText ? 'kept, redacted' : 'not kept (keyed hashes and derived features only)'}`,
    `- retention: ${policy.retentionDays} day${policy.retentionDays === 1 ? '' : 's'} (\`evalgate prune\` deletes older records)`,
    '',
    '## Redaction',
    '',
  );
  for (const kind of DETECTOR_KINDS) lines.push(`- ${kind}: ${redaction.detectors[kind] ? 'on' : 'off'}`);
  for (const c of redaction.custom)
    lines.push(
      `- custom ${inlineCode(c.name)}: ${inlineCode(`/${c.pattern}/${c.flags}`, { maxLength: 500 })}`,
    );
  lines.push(
    '',
    '## Hashing',
    '',
    `- user, session and request ids and text hashes: HMAC-SHA-256 keyed by \`$${policy.hashKeyEnv}\` (${env === null ? 'recording refuses to start where it is not set' : env[policy.hashKeyEnv] ? 'set' : 'not set: recording will refuse to start'})`,
    '',
  );
  lines.push(...onlineLines(policy.online));
  return lines.join('\n');
}

/**
 * `production.online`, as written: which judge-free graders `evalgate grade` and `evalgate
 * shadow` run on the records, on which routes, and whether a shadow run gates on them.
 * Only their shape is known here (the full check is src/production/online/config.ts, kept
 * out of the recorder's bundle), so each is named as that check names it.
 */
function onlineLines(online: ProductionPolicy['online']): string[] {
  const lines = ['## Online graders', ''];
  if (!online?.length)
    return [...lines, 'None declared: no grader runs on production records (`production.online`).', ''];
  for (const g of online) {
    const spec = g as { type: string; name?: unknown; not?: unknown; routes?: unknown; gate?: unknown };
    const name =
      typeof spec.name === 'string' ? spec.name : spec.not === true ? `not-${spec.type}` : spec.type;
    const routes = Array.isArray(spec.routes)
      ? `routes ${spec.routes.map((r) => inlineCode(String(r))).join(', ')}`
      : 'every route';
    const gate = spec.gate === false ? 'informs shadow runs' : 'gates shadow runs';
    lines.push(`- ${inlineCode(name)} (${inlineCode(spec.type)}): ${routes}; ${gate}`);
  }
  lines.push(
    '',
    "They read only what this policy keeps: a grader whose text is dropped is reported 'not measurable', never a pass.",
    '',
  );
  return lines;
}
