import { writeFileSync } from 'node:fs';
import { canaryStage } from '../pipeline/canary.js';
import { canaryMarkdown } from '../production/canary/report.js';
import { terminalText } from '../report/escape.js';
import { InputError } from './context.js';
import { outPath, workdir } from './job.js';
import type { ActionContext } from './types.js';

/** Where the canary mode writes the decision JSON, in the working directory. */
export const CANARY_DECISION_FILE = 'evalgate-canary-decision.json';

/**
 * The canary check of a rollout, as a scheduled or deployment job runs it: the decision
 * (pipeline/canary.ts, as `evalgate canary`), its Markdown report in the step summary, the
 * decision JSON for the deployment tool, the outputs `decision` and `decision-path`, and the
 * step failed on a rollback (as the CLI exits 1), so a workflow can gate the next stage on it.
 */
export async function canaryMode(ctx: ActionContext): Promise<void> {
  const inputs = ctx.inputs.canary;
  if (!inputs)
    throw new InputError(
      "mode: canary needs 'records', 'canary-version' and 'control-version' (system version ids)",
    );
  const decision = canaryStage({
    configPath: ctx.inputs.config,
    cwd: workdir(ctx),
    records: inputs.records,
    canary: inputs.canary,
    control: inputs.control,
    look: inputs.look,
  });
  const path = outPath(ctx, CANARY_DECISION_FILE);
  writeFileSync(path, `${JSON.stringify(decision, null, 2)}\n`);
  await ctx.io.appendSummary(canaryMarkdown(decision));
  ctx.io.setOutput('decision', decision.decision);
  ctx.io.setOutput('decision-path', path);
  ctx.io.info(`evalgate: canary ${decision.decision} at look ${decision.look}`);
  if (decision.decision === 'rollback')
    ctx.io.setFailed(
      terminalText(`evalgate: canary rollback: ${decision.reasons.join('; ')}`, { oneLine: true }),
    );
}
