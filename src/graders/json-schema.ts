import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type * as Ajv2020Module from 'ajv/dist/2020.js';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';

/**
 * ajv is loaded on the first schema, not at start-up: most projects have no schema graders,
 * and its initialisation was a visible share of `evalgate run`'s time to the first request.
 * The literal `require` calls let the bundler inline ajv as a lazily initialised module (the
 * bundle defines `require`); unbundled (tests), createRequire loads it from node_modules.
 */
function loadAjv(): { Ajv: typeof Ajv2020Module.Ajv2020; formats: (a: Ajv2020) => void } {
  type Formats = { default?: (a: Ajv2020) => void } & ((a: Ajv2020) => void);
  const bundled = typeof require === 'function';
  const load = bundled ? undefined : createRequire(import.meta.url);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: lazy, and still bundled
  const ajv = (bundled ? require('ajv/dist/2020.js') : load!('ajv/dist/2020.js')) as typeof Ajv2020Module;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
  const formats = (bundled ? require('ajv-formats') : load!('ajv-formats')) as Formats;
  return { Ajv: ajv.Ajv2020, formats: formats.default ?? formats };
}

/** A fresh instance per schema: two schemas with the same `$id` must not meet in one registry. */
function instance(): Ajv2020 {
  const { Ajv, formats } = loadAjv();
  const ajv = new Ajv({ allErrors: false, strict: false });
  formats(ajv);
  return ajv;
}

/**
 * Compiles a JSON Schema (draft 2020-12, with formats): inline, or a file relative to
 * `baseDir`. Throws an Error saying what is wrong; the loader adds file and line.
 */
export function compileSchema(schema: Record<string, unknown> | string, baseDir: string): ValidateFunction {
  let value: unknown = schema;
  if (typeof schema === 'string') {
    try {
      value = JSON.parse(readFileSync(resolve(baseDir, schema), 'utf8'));
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new Error(`cannot read JSON Schema ${schema}: ${why}`, { cause: e });
    }
  }
  try {
    return instance().compile(value as object);
  } catch (e) {
    throw new Error(`invalid JSON Schema: ${(e as Error).message}`, { cause: e });
  }
}
