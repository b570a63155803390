import { createTarget } from '../targets/index.js';
import type { Target } from '../targets/types.js';
import { ConfigError, ConfigErrors } from './errors.js';
import type { LoadedProject, LoadedSuite } from './load.js';

/**
 * Builds the targets the given suites use, then renders the request of every case once, so
 * a missing prompt file, environment variable or template variable is a config error before
 * any model is called, not an error sample halfway through a paid run.
 */
export function prepareTargets(
  project: LoadedProject,
  suites: LoadedSuite[],
  env: Record<string, string | undefined>,
): Map<string, Target> {
  const targets = new Map<string, Target>();
  const errors: ConfigError[] = [];
  for (const name of new Set(suites.map((s) => s.target))) {
    const spec = project.config.targets[name]!;
    try {
      targets.set(
        name,
        createTarget(name, spec, {
          rootDir: project.rootDir,
          env,
          fail: (field, message) => project.document.error(field, message),
        }),
      );
    } catch (e) {
      if (e instanceof ConfigError) errors.push(e);
      else if (e instanceof ConfigErrors) errors.push(...e.errors);
      else throw e;
    }
  }
  if (errors.length === 0) {
    for (const suite of suites) {
      const target = targets.get(suite.target)!;
      for (const c of suite.cases) {
        try {
          target.prepare({
            suite: suite.id,
            caseId: c.id,
            vars: c.vars,
            expected: c.expected,
            ...(c.reference !== undefined && { reference: c.reference }),
            ...(c.context !== undefined && { context: c.context }),
            tags: c.tags,
            sample: 0,
          });
        } catch (e) {
          const err = e instanceof ConfigError ? e : new ConfigError((e as Error).message);
          errors.push(
            new ConfigError(
              `case '${c.id}': ${err.message}`,
              err.location?.line ? err.location : { file: c.location.file, line: c.location.line },
            ),
          );
          if (errors.length >= 25) break;
        }
      }
      if (errors.length >= 25) break;
    }
  }
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new ConfigErrors(errors);
  return targets;
}
