import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { UsageError } from '../config/errors.js';

const GLOB_CHARS = /[*?[\]{}()!]/;

export function isGlob(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}

/**
 * Files under `root` matching `pattern` (relative to root), sorted, as absolute paths.
 * A plain path is returned as is when it exists. node_modules and .git are never walked.
 */
export function expandGlob(root: string, pattern: string): string[] {
  if (!isGlob(pattern)) {
    const file = resolve(root, pattern);
    try {
      return statSync(file).isFile() ? [file] : [];
    } catch {
      return [];
    }
  }
  // Walk only from the static prefix of the pattern: `suites/**/*.yml` walks `suites/`.
  const parts = pattern.split('/');
  const staticParts: string[] = [];
  for (const part of parts) {
    if (isGlob(part)) break;
    staticParts.push(part);
  }
  const base = resolve(root, ...staticParts);
  const match = picomatch(pattern, { dot: false });
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name === 'node_modules' || entry.name === '.git') continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && match(relative(root, full).split(sep).join('/'))) out.push(full);
    }
  };
  walk(base);
  return out.sort();
}

/**
 * The files a repeatable flag names (`--records GLOB`), in order, without repeats, as
 * absolute paths. A pattern that matches nothing is a usage error naming the flag, so a
 * typo is never read as an empty window. `passThrough` patterns (remote globs DuckDB
 * reads itself) are kept as written.
 */
export function expandFlagGlobs(
  cwd: string,
  patterns: readonly string[],
  flag = '--records',
  passThrough: (pattern: string) => boolean = () => false,
): string[] {
  const files: string[] = [];
  for (const pattern of patterns) {
    const matched = passThrough(pattern) ? [pattern] : expandGlob(cwd, pattern);
    if (matched.length === 0)
      throw new UsageError(
        isGlob(pattern) ? `${flag} '${pattern}' matches no file` : `records file not found: ${pattern}`,
      );
    for (const f of matched) if (!files.includes(f)) files.push(f);
  }
  return files;
}
