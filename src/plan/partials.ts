import { posix } from 'node:path';

/**
 * Partials a template includes (`{{> partials/tone.md}}`), resolved relative to the including
 * file, as project-relative paths. This reads content, not disk, because the plan follows
 * partials at the base revision too, where the files exist only in git.
 */
export function scanPartials(text: string, file: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/\{\{>\s*([^}\s]+)\s*\}\}/g)) {
    const ref = match[1]!.replace(/^(["'])(.*)\1$/, '$2');
    const path = posix.normalize(posix.join(posix.dirname(file), ref));
    if (!found.includes(path)) found.push(path);
  }
  return found;
}
