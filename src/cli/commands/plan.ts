import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigErrors, UsageError } from '../../config/errors.js';
import { formatPlanJson } from '../../plan/document.js';
import { planFromGit } from '../../plan/plan.js';
import { renderPlanText } from '../../plan/render.js';
import { renderEstimateText } from '../../plan/estimate.js';
import { suitesInPlan } from '../../plan/index.js';
import { checkBudget } from '../../pipeline/budget.js';
import { loadProject } from '../../config/load.js';
import { formatUsd } from '../../compare/format.js';
import { terminalText } from '../../report/escape.js';
import type { CommandHandler } from '../types.js';

const HELP = `Usage: evalgate plan --base REF [--head REF] [--json] [--out FILE] [--config FILE] [--no-fetch] [--no-cache]

Shows which components a change touched (prompt, model, retrieval, ...), how, and which
suites it affects and why. Compares head with the merge base of base and head, as a pull
request does (base...head).

  --base REF     the branch or commit the change is against, e.g. origin/main (required)
  --head REF     the change; default: the working tree (HEAD and any uncommitted changes,
                 staged or not, and untracked files git does not ignore), as 'run' runs it
  --json         print the plan as JSON (the document \`evalgate run --plan\` reads)
  --out FILE     also write the JSON plan to FILE
  --config FILE  default evalgate.yml
  --no-fetch     never fetch a missing base or shallow history from the remote
  --no-cache     estimate as 'evalgate run --no-cache' would run: nothing from the cache

When head is the working tree (no --head), the plan also estimates what running its suites will
cost: calls, prompt tokens (counted with OpenAI's encodings), completion tokens and USD, how
many calls the response cache answers and what the rest cost to send, and whether
budget.maxCostUSD would refuse the run (see 'evalgate run --estimate').

Exit 0 with a plan (even one that runs nothing), 2 on a config error or a base that cannot
be found.
`;

export const planCommand: CommandHandler = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      base: { type: 'string', short: 'b' },
      head: { type: 'string' },
      json: { type: 'boolean', default: false },
      out: { type: 'string', short: 'o' },
      config: { type: 'string', short: 'c', default: 'evalgate.yml' },
      'no-fetch': { type: 'boolean', default: false },
      'no-cache': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (!values.base)
    throw new UsageError('plan needs --base REF: the branch the change is against, e.g. --base origin/main');
  const plan = await planFromGit({
    cwd: io.cwd,
    base: values.base,
    ...(values.head !== undefined && { head: values.head }),
    // Without --head, the working tree as `evalgate run` would run it, uncommitted edits included.
    workingTree: values.head === undefined,
    config: values.config,
    fetch: !values['no-fetch'],
    env: io.env,
  });
  // Cost before spending: when the plan is of the working tree (no --head), what running
  // its suites would cost, and whether budget.maxCostUSD would refuse it.
  if (values.head === undefined && plan.suites.length > 0) {
    try {
      const project = loadProject(resolve(io.cwd, values.config), { env: io.env });
      const { run } = suitesInPlan(plan, project.suites);
      const { estimate, refused } = await checkBudget(project, run, io.env, {
        cache: !values['no-cache'] && project.config.cache.enabled,
      });
      const max = project.config.budget.maxCostUSD;
      plan.estimate = {
        ...estimate,
        ...(max !== undefined && { maxCostUSD: max }),
        ...(refused && { refused }),
      };
    } catch (e) {
      // The plan stands without it (a config the run would reject, a key not set here).
      const message = e instanceof ConfigErrors ? e.errors[0]!.message : (e as Error).message;
      io.stderr(`evalgate: no cost estimate: ${terminalText(message)}\n`);
    }
  }
  const json = formatPlanJson(plan);
  if (values.out) writeFileSync(resolve(io.cwd, values.out), json);
  // File names from the diff are untrusted: a name may hold an escape sequence or `::`.
  let text = renderPlanText(plan);
  if (plan.estimate) {
    text += `\n${renderEstimateText(plan.estimate, formatUsd)}`;
    if (plan.estimate.refused) text += `A run of this plan would be refused: ${plan.estimate.refused}\n`;
  }
  io.stdout(values.json ? json : terminalText(text, { maxLength: 200_000 }));
  return 0;
};
