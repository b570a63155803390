import { parseArgs } from 'node:util';
import { combineConfigErrors, ConfigError, ConfigErrors } from '../../config/errors.js';
import { inspectProject } from '../../config/load.js';
import { uncoveredCodeTargets } from '../../plan/schema.js';
import type { OnlineGraderEntry } from '../../production/online/config.js';
import type { Target } from '../../targets/types.js';
import { prepareTargets } from '../../config/targets.js';
import { terminalText } from '../../report/escape.js';
import type { CommandHandler } from '../types.js';
import { resolve } from 'node:path';

const HELP = `Usage: evalgate validate [--config FILE] [--all-errors]

Checks evalgate.yml and every suite: schema, case ids, graders, regexes, prompt files,
environment variables and template variables, and the rollout's rollback triggers against
the production policy and online graders, as 'evalgate canary' checks them. Calls no model.
Every error is found in one pass, each as file:line:col; the first 25 are printed.

  -c, --config FILE  project config (default: evalgate.yml)
      --all-errors   print every error, not only the first 25

Exit 0 when valid, 2 when not.
`;

export const validateCommand: CommandHandler = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: {
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
  const { project, error } = inspectProject(resolve(io.cwd, values.config), { env: io.env });
  if (!project) throw error;
  for (const w of project.warnings) io.stderr(`warning: ${terminalText(w)}\n`);
  // Change detection's blind spot, said where the config is checked (plan and run --base say it too).
  for (const { target, message } of uncoveredCodeTargets(project.config.targets, project.config.components))
    io.stderr(
      `warning: ${terminalText(project.document.error(['targets', target], message).format(io.cwd))}\n`,
    );
  // With errors in some files, the requests of the suites that did load are still rendered:
  // a missing template variable is reported in the same pass as a bad grader elsewhere.
  const usable = project.suites.filter((s) => project.config.targets[s.target] !== undefined);
  let targets: Map<string, Target> | undefined;
  let targetError: ConfigError | ConfigErrors | undefined;
  try {
    targets = prepareTargets(project, usable, io.env);
  } catch (e) {
    if (e instanceof ConfigError || e instanceof ConfigErrors) targetError = e;
    else throw e;
  }
  for (const t of targets?.values() ?? []) await t.close?.();
  // production.online in full (the config's schema only checks its shape): a judge or a
  // typo there is an error here, not first in the production job.
  const configPath = resolve(io.cwd, values.config);
  let onlineError: ConfigError | ConfigErrors | undefined;
  let online: OnlineGraderEntry[] | undefined = [];
  if (project.config.production?.online)
    try {
      online = (await import('../../production/online/config.js')).loadOnlineGraders(configPath);
    } catch (e) {
      online = undefined;
      if (e instanceof ConfigError || e instanceof ConfigErrors) onlineError = e;
      else throw e;
    }
  // The rollback triggers against the policy and the online graders, as `evalgate canary`
  // checks them: a trigger that could never fire is found here, not in mid-rollout.
  let rolloutError: ConfigError | ConfigErrors | undefined;
  if (project.config.rollout)
    try {
      const { checkRollout } = await import('../../pipeline/canary.js');
      checkRollout(configPath, project.config.rollout, project.config.production, online);
    } catch (e) {
      if (e instanceof ConfigError || e instanceof ConfigErrors) rolloutError = e;
      else throw e;
    }
  const all = combineConfigErrors(error, targetError, onlineError, rolloutError);
  if (all) throw all;
  const cases = project.suites.reduce((n, s) => n + s.cases.length, 0);
  io.stdout(
    `ok: ${project.suites.length} suite${project.suites.length === 1 ? '' : 's'}, ${cases} case${cases === 1 ? '' : 's'}, ${targets!.size} target${targets!.size === 1 ? '' : 's'}\n`,
  );
  return 0;
};
