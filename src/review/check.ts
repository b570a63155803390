import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { parse, stringify } from 'yaml';
import { ConfigError, ConfigErrors, combineConfigErrors } from '../config/errors.js';
import { inspectProject } from '../config/load.js';
import { prepareTargets } from '../config/targets.js';
import type { Target } from '../targets/types.js';

/**
 * `review promote` checks the suite it would write exactly as `evalgate validate` would,
 * before writing a byte: the new text goes to a hidden file beside the suite (so paths inside
 * it resolve as they will), a hidden copy of the project config names it as its only suite,
 * and the project is loaded and every case's request rendered. Errors in that suite come back
 * located in the real suite file; errors elsewhere (the config, a missing API key) are not
 * the promotion's doing and do not stop it. Both hidden files are removed whatever happens.
 *
 * Without a config file the suite is checked against stand-in command targets: schema,
 * graders, ids and expected values, though not a prompt's template variables.
 */
export async function checkPromotedSuite(
  suiteFile: string,
  text: string,
  configFile: string | undefined,
  env: Record<string, string | undefined>,
): Promise<ConfigError | ConfigErrors | undefined> {
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const suiteCopy = join(dirname(suiteFile), `.${basename(suiteFile)}.promote-${tag}.yml`);
  const configDir = configFile ? dirname(configFile) : dirname(suiteFile);
  const configCopy = join(configDir, `.evalgate-promote-${tag}.yml`);
  try {
    writeFileSync(suiteCopy, text);
    writeFileSync(configCopy, configText(configFile, suiteCopy, configDir, text));
    let inspected: ReturnType<typeof inspectProject>;
    try {
      inspected = inspectProject(configCopy, { env });
    } catch (e) {
      if (e instanceof ConfigError || e instanceof ConfigErrors) return located(e, suiteCopy, suiteFile);
      throw e;
    }
    const { project, error } = inspected;
    if (!project) return located(error, suiteCopy, suiteFile);
    let targetError: ConfigError | ConfigErrors | undefined;
    let targets: Map<string, Target> | undefined;
    try {
      targets = prepareTargets(
        project,
        project.suites.filter((s) => project.config.targets[s.target] !== undefined),
        env,
      );
    } catch (e) {
      if (e instanceof ConfigError || e instanceof ConfigErrors) targetError = e;
      else throw e;
    }
    for (const t of targets?.values() ?? []) await t.close?.();
    return located(combineConfigErrors(error, targetError), suiteCopy, suiteFile);
  } finally {
    rmSync(suiteCopy, { force: true });
    rmSync(configCopy, { force: true });
  }
}

/** The errors located in the suite copy, moved to the real suite file. */
function located(
  found: ConfigError | ConfigErrors | undefined,
  copy: string,
  real: string,
): ConfigError | ConfigErrors | undefined {
  const errors = found instanceof ConfigErrors ? found.errors : found ? [found] : [];
  return combineConfigErrors(
    ...errors
      .filter((e) => e.location?.file === copy)
      .map(
        (e) =>
          new ConfigError(e.message.split(basename(copy)).join(basename(real)), {
            ...e.location!,
            file: real,
          }),
      ),
  );
}

/** The project config with the suite copy as its only suite; stand-in targets without one. */
function configText(
  configFile: string | undefined,
  suiteCopy: string,
  configDir: string,
  suiteText: string,
): string {
  const suites = [relative(configDir, suiteCopy).split(sep).join('/')];
  if (configFile && existsSync(configFile)) {
    const config = parse(readFileSync(configFile, 'utf8')) as Record<string, unknown> | null;
    if (config && typeof config === 'object' && !Array.isArray(config)) {
      return stringify({ ...config, suites });
    }
  }
  const suite = parse(suiteText) as { target?: unknown } | null;
  const name = typeof suite?.target === 'string' ? suite.target : 'app';
  return stringify({ targets: { [name]: { type: 'command', command: ['true'] } }, suites });
}
