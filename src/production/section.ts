import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError, ConfigErrors } from '../config/errors.js';
import { parseYamlFast, type PositionedDocument } from '../config/yaml.js';

/**
 * One top-level section of the config at `configPath` (`production:`, `rollout:`), validated
 * by `schema`: every problem at once, each with file, line and column. Only that section is
 * read, so a production job needs no suite or target to be loadable. No section is an error
 * (`missing` says why): the production commands never run on defaults nobody wrote down.
 *
 * Issues are worded as config/load.ts words zod's; not imported from there, which would pull
 * the graders (and the OpenAI SDK) into the application's bundle of `evalgate/production`.
 */
export function loadConfigSection<S extends z.ZodType>(
  configPath: string,
  key: string,
  schema: S,
  missing: string,
): z.output<S> {
  return configSection(readConfigDocument(configPath), key, schema, missing);
}

/**
 * The config at `configPath`, parsed once: a caller that checks one section against another
 * (the rollout's triggers against the policy) reads both from it and locates what it finds.
 */
export function readConfigDocument(configPath: string): PositionedDocument {
  const file = resolve(configPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(code === 'ENOENT' ? 'config file not found' : `cannot read config file: ${code}`, {
      file,
    });
  }
  return parseYamlFast(text, file);
}

/** loadConfigSection on a document already read. */
export function configSection<S extends z.ZodType>(
  doc: PositionedDocument,
  key: string,
  schema: S,
  missing: string,
): z.output<S> {
  const section = (doc.value as Record<string, unknown> | null)?.[key];
  if (section === undefined || section === null)
    throw new ConfigError(missing, { file: doc.file, ...doc.locate([]) });
  const parsed = schema.safeParse(section);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => {
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`
        : issue.message.replace(/^Invalid input: /, '');
    return doc.error([key, ...(issue.path as (string | number)[])], message);
  });
  throw errors.length === 1 ? errors[0]! : new ConfigErrors(errors);
}
