import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Built-in suite packs: YAML suites shipped in the package's `suites/` directory, named in a
 * config's `suites:` as `evalgate:NAME`, or `evalgate:NAME@TARGET` to pick the target when
 * the config has several.
 */
export const PACK_PREFIX = 'evalgate:';

export interface PackRef {
  name: string;
  target?: string;
}

export function parsePackRef(entry: string): PackRef | undefined {
  if (!entry.startsWith(PACK_PREFIX)) return undefined;
  const rest = entry.slice(PACK_PREFIX.length);
  const at = rest.indexOf('@');
  return at < 0 ? { name: rest } : { name: rest.slice(0, at), target: rest.slice(at + 1) };
}

/** The pack's suite file, or undefined when there is no such pack. */
export function packFile(name: string, dir = packsDir()): string | undefined {
  // The name becomes a path: only plain names, so `evalgate:../x` cannot reach outside.
  if (!dir || !/^[a-z0-9][a-z0-9-]*$/.test(name)) return undefined;
  const file = join(dir, `${name}.yml`);
  return existsSync(file) ? file : undefined;
}

export function listPacks(dir = packsDir()): string[] {
  if (!dir) return [];
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.yml'))
      .map((f) => f.slice(0, -4))
      .sort();
  } catch {
    return [];
  }
}

let cachedRoot: string | null | undefined;

/** `<package root>/suites`, or undefined when the package root cannot be found. */
export function packsDir(): string | undefined {
  if (cachedRoot === undefined) cachedRoot = findPackageRoot(import.meta.url) ?? null;
  return cachedRoot === null ? undefined : join(cachedRoot, 'suites');
}

/**
 * This module runs from `src/config/` in development and from `dist/` or `dist/chunks/` once
 * bundled, so the root is found by walking up to the `package.json` named evalgate rather
 * than by a fixed number of `..`.
 */
export function findPackageRoot(moduleUrl: string): string | undefined {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'evalgate')
          return dir;
      } catch {
        // A broken package.json on the way up is not ours; keep looking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
