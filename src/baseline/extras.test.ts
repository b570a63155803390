import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LoadedSuite } from '../config/load.js';
import type { Grader } from '../graders/types.js';
import { fingerprintExtrasForProject, graderSpecHash, judgeOf } from './extras.js';
import { tempDir } from '../../test/helpers/tmp.js';

const grader = (name: string, fingerprint?: Record<string, unknown>): Grader => ({
  name,
  ...(fingerprint && { fingerprint }),
  grade: () => ({ grader: name, pass: true, score: 1, reason: '' }),
});

const suiteWith = (file: string, ...graders: Grader[]) =>
  ({ id: 's', file, cases: [{ graders }, { graders: graders.slice(0, 1) }] }) as unknown as LoadedSuite;

describe('graderSpecHash', () => {
  it('changes when a grader spec changes and not when only cases change', () => {
    const dir = tempDir('evalgate-spec-');
    const file = join(dir, 's.yml');
    writeFileSync(file, 'id: s\ngraders: [{ type: contains, value: ok }]\ncases:\n  - input: a\n');
    const first = graderSpecHash(file);
    writeFileSync(file, 'id: s\ngraders: [{ type: contains, value: ok }]\ncases:\n  - input: b\n');
    expect(graderSpecHash(file)).toBe(first);
    writeFileSync(file, 'id: s\ngraders: [{ type: contains, value: okay }]\ncases:\n  - input: b\n');
    expect(graderSpecHash(file)).not.toBe(first);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(graderSpecHash(join(dir, 'missing.yml'))).toBeUndefined();
  });
});

describe('judgeOf', () => {
  it('reads the judge model and a version from model-backed graders', () => {
    const judge = grader('judge', { kind: 'judge', model: 'gpt-4o', promptHash: 'p1' });
    const plain = grader('contains');
    const found = judgeOf(suiteWith('x', judge, plain));
    expect(found).toEqual({ model: 'gpt-4o', version: expect.stringMatching(/^[0-9a-f]{12}$/) });
    const edited = judgeOf(
      suiteWith('x', grader('judge', { kind: 'judge', model: 'gpt-4o', promptHash: 'p2' })),
    );
    expect(edited!.version).not.toBe(found!.version);
    expect(judgeOf(suiteWith('x', plain))).toBeUndefined();
    expect(fingerprintExtrasForProject({ suites: [suiteWith('/nonexistent.yml', judge)] }).s).toEqual({
      judge: found,
    });
  });
});
