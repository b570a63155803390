import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadProject } from './load.js';
import { tempDir } from '../../test/helpers/tmp.js';

const CONFIG = `targets:\n  bot:\n    type: command\n    command: [node, bot.mjs]\nsuites:\n  - suites/*.yml\n`;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function hashes(suite: string): Record<string, string | undefined> {
  const dir = tempDir('evalgate-case-hash-');
  dirs.push(dir);
  for (const [name, text] of Object.entries({ 'evalgate.yml': CONFIG, 'suites/s.yml': suite })) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const loaded = loadProject(join(dir, 'evalgate.yml')).suites[0]!;
  return Object.fromEntries(loaded.cases.map((c) => [c.id, c.hash]));
}

const SUITE = (graders: string, second: string, target = '') =>
  `id: s\n${target}graders: [${graders}]\ncases:\n  - id: a\n    vars: { q: one }\n  - id: b\n    vars: { q: ${second} }\n`;

describe('per-case content hash', () => {
  const before = hashes(SUITE('{ type: contains, value: ok }', 'two'));

  it('is 16 hex characters, and the same content gives the same hash', () => {
    expect(before.a).toMatch(/^[0-9a-f]{16}$/);
    expect(before.a).not.toBe(before.b);
    expect(hashes(SUITE('{ type: contains, value: ok }', 'two'))).toEqual(before);
  });

  it('changes for the edited case only', () => {
    const after = hashes(SUITE('{ type: contains, value: ok }', 'TWO'));
    expect(after.a).toBe(before.a);
    expect(after.b).not.toBe(before.b);
  });

  it('changes for every case when a suite-level grader changes', () => {
    const after = hashes(SUITE('{ type: contains, value: fine }', 'two'));
    expect(after.a).not.toBe(before.a);
    expect(after.b).not.toBe(before.b);
  });
});

describe('hash stability', () => {
  // Stored baselines pair cases by these hashes: a change to how they are computed (not to
  // what they cover) would unpair every baseline. The values were computed before the hashes
  // were built from pre-serialized parts, and must not move.
  it('gives the same case and suite hashes as every earlier version', () => {
    const dir = tempDir('evalgate-case-hash-');
    dirs.push(dir);
    const suite = `${SUITE('{ type: contains, value: ok }', 'two')}  - id: c\n    vars: { q: three, z: [1, { b: 2, a: 1 }] }\n    expected: x\n    relevant: [d1]\n`;
    for (const [name, text] of Object.entries({ 'evalgate.yml': CONFIG, 'suites/s.yml': suite })) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const loaded = loadProject(join(dir, 'evalgate.yml')).suites[0]!;
    expect(Object.fromEntries(loaded.cases.map((c) => [c.id, c.hash]))).toEqual(PINNED.cases);
    expect(loaded.contentHash).toBe(PINNED.suite);
  });
});
const PINNED = {
  cases: { a: '574bb809790104dc', b: '99bbe38cb2f085ae', c: '01fdaef158641508' },
  suite: '5116c16398dd395f',
};
