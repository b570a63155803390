import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The Action runs the committed dist/, not the sources: a stale bundle ships old behaviour.
describe('committed dist/', () => {
  const out = mkdtempSync(join(tmpdir(), 'evalgate-dist-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('is byte-identical to a fresh `npm run build`', () => {
    execFileSync(process.execPath, ['scripts/build.mjs', out], { stdio: 'pipe' });
    const fresh = readdirSync(out).sort();
    expect(readdirSync('dist').sort()).toEqual(fresh);
    for (const file of fresh) {
      const same = readFileSync(join(out, file)).equals(readFileSync(join('dist', file)));
      expect(same, `dist/${file} differs from a fresh build: run \`npm run build\` and commit dist/`).toBe(true);
    }
  });
});
