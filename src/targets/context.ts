import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigError } from '../config/errors.js';
import type { Env } from './env.js';

/** What a target factory may use: no process.env, no cwd, only what the CLI hands in. */
export interface TargetContext {
  /** Directory of evalgate.yml; relative paths in target config resolve from here. */
  rootDir: string;
  env: Env;
  /** An error pointing at `field` in evalgate.yml, e.g. `['targets', 'app', 'prompt']`. Throw it. */
  fail: (field: (string | number)[], message: string) => ConfigError;
}

/** Resolves a config path against rootDir; a missing file is the config's fault, reported at `field`. */
export function existingFile(ctx: TargetContext, path: string, field: (string | number)[]): string {
  const file = resolve(ctx.rootDir, path);
  if (!existsSync(file)) throw ctx.fail(field, `file not found: ${path}`);
  if (!statSync(file).isFile()) throw ctx.fail(field, `not a file: ${path}`);
  return file;
}

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
