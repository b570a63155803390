import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** Every file below `dir`, as sorted relative paths. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

// The Action runs the committed dist/, not the sources: a stale bundle ships old behaviour.
describe('committed dist/', () => {
  const out = mkdtempSync(join(tmpdir(), 'evalgate-dist-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('is byte-identical to a fresh `npm run build`', () => {
    execFileSync(process.execPath, ['scripts/build.mjs', out], { stdio: 'pipe' });
    const fresh = files(out);
    expect(files('dist'), 'dist/ has other files than a fresh build: run `npm run build` and commit dist/').toEqual(fresh);
    for (const file of fresh) {
      const same = readFileSync(join(out, file)).equals(readFileSync(join('dist', file)));
      expect(same, `dist/${file} differs from a fresh build: run \`npm run build\` and commit dist/`).toBe(true);
    }
  });
});
