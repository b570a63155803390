import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp.js';

/** A file and every chunk it imports statically: what loading it loads. */
function staticClosure(entry: string): string[] {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(
      /\bimport\s*(?:[\w${},\s*]+from\s*)?["'](\.[^"']+)["']/g,
    ))
      walk(resolve(dirname(file), m[1]!));
  };
  walk(entry);
  return [...seen];
}

// Strings only the production code has: the keyed hash prefix and the missing-key error.
const PRODUCTION_MARKERS = ['hmac-sha256:', 'the hash key is missing'];

describe('the evalgate/production bundle', () => {
  const out = tempDir('evalgate-bundle-');
  execFileSync(process.execPath, ['scripts/build.mjs', out], { stdio: 'pipe' });

  it('is what package.json exports as evalgate/production, and works', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.exports['./production']).toBe('./dist/production.js');
    const lib = await import(pathToFileURL(join(out, 'production.js')).href);
    const policy = lib.ProductionPolicySchema.parse({ retainText: true });
    const record = lib.toRecord(
      { input: 'write to jane@example.com', requestId: 'r1' },
      policy,
      { system: 's' },
      {
        env: { EVALGATE_HASH_KEY: 'k'.repeat(24) },
      },
    );
    expect(record.input.text).toBe('write to [REDACTED:email]');
    expect(record.requestId).toMatch(/^hmac-sha256:/);
  });

  it('stays out of the Action: index.js loads none of the production code', () => {
    const action = staticClosure(join(out, 'index.js'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const production = staticClosure(join(out, 'production.js'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    for (const marker of PRODUCTION_MARKERS) {
      expect(production).toContain(marker);
      expect(action).not.toContain(marker);
    }
  });
});
