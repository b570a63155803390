import { readFileSync } from 'node:fs';
import { ConfigError, formatField } from '../config/errors.js';
import { PlanSchema, READABLE_PLAN_VERSIONS, type Plan } from './types.js';

/** The plan as written to disk: stable key order, one trailing newline. */
export function formatPlanJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}

/**
 * Reads a plan written by `evalgate plan --json` (for `evalgate run --plan FILE`). A missing,
 * corrupt, foreign or future file is a ConfigError naming the file: the user made it, and
 * can make it again.
 */
export function readPlan(file: string): Plan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? 'plan file not found' : `cannot read plan file: ${code}`, {
      file,
    });
  }
  return parsePlan(text, file);
}

export function parsePlan(text: string, file: string): Plan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(
      `not a plan: invalid JSON (${(e as Error).message}); write it with \`evalgate plan --json\``,
      {
        file,
      },
    );
  }
  const schemaVersion = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (schemaVersion === undefined) {
    throw new ConfigError('not a plan: no schemaVersion; write it with `evalgate plan --json`', { file });
  }
  if (typeof schemaVersion !== 'number' || !READABLE_PLAN_VERSIONS.includes(schemaVersion)) {
    throw new ConfigError(
      `plan schema version ${JSON.stringify(schemaVersion)} is not one this evalgate reads (${READABLE_PLAN_VERSIONS.join(', ')}); ` +
        'make the plan again with this version of `evalgate plan`',
      { file, field: 'schemaVersion' },
    );
  }
  const parsed = PlanSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`corrupt plan: ${issue.message.replace(/^Invalid input: /, '')}`, {
      file,
      field: formatField(issue.path as (string | number)[]) || undefined,
    });
  }
  return parsed.data;
}

/**
 * The project's suites a plan says to run, in the project's order. Ids the plan names that
 * the project no longer has are returned in `missing`: the plan was made for other files.
 */
export function suitesInPlan<T extends { id: string }>(
  plan: Plan,
  suites: readonly T[],
): { run: T[]; missing: string[] } {
  const wanted = new Set(plan.suites.map((s) => s.id));
  const run = suites.filter((s) => wanted.has(s.id));
  const have = new Set(run.map((s) => s.id));
  return { run, missing: [...wanted].filter((id) => !have.has(id)) };
}
