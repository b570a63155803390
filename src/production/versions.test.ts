import { describe, expect, it } from 'vitest';
import { createFixtureRepo } from '../../test/helpers/git.js';
import { main } from '../cli/main.js';
import type { CliIO } from '../cli/types.js';
import { versionsForWorkingTree } from '../plan/versions.js';
import { shortHash } from '../util/hash.js';
import { versionsDocument } from './versions.js';

async function cli(cwd: string, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd, env: {}, isTTY: false };
  const code = await main(argv, io);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('evalgate versions', () => {
  it('prints the version ids change detection computes, per target, as JSON and as text', async () => {
    const repo = createFixtureRepo();
    const found = await versionsForWorkingTree({ configPath: `${repo.dir}/evalgate.yml` });
    const r = await cli(repo.dir, ['versions', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.components).toEqual(found.components);
    expect(Object.keys(doc.targets)).toEqual(Object.keys(found.targets));
    for (const [name, t] of Object.entries(found.targets)) {
      const stamp = doc.targets[name];
      expect(stamp.system).toBe(t.systemVersion);
      expect(Object.keys(stamp.components).sort()).toEqual([...t.components].sort());
      for (const kind of ['prompt', 'model', 'retrieval']) {
        const ofKind = t.components.filter((c) => found.components[c]?.kind === kind);
        if (ofKind.length === 1) expect(stamp[kind]).toBe(found.components[ofKind[0]!]!.version);
        else if (ofKind.length === 0) expect(stamp[kind]).toBeUndefined();
      }
    }
    // The fixture has a prompt and a model component on a target: both are stamped.
    expect(
      Object.values(doc.targets).some(
        (t) => (t as { prompt?: string }).prompt && (t as { model?: string }).model,
      ),
    ).toBe(true);

    const text = await cli(repo.dir, ['versions']);
    expect(text.code).toBe(0);
    const [firstName, first] = Object.entries(doc.targets)[0]! as [string, { system: string }];
    expect(text.stdout.split('\n')[0]).toBe(`target ${firstName}  system ${first.system}`);
  });

  it('combines several components of one kind into one id that changes with any of them', () => {
    const doc = versionsDocument({
      components: {
        a: { kind: 'prompt', version: 'v-a' },
        b: { kind: 'prompt', version: 'v-b' },
        m: { kind: 'model', version: 'v-m' },
      },
      targets: { bot: { systemVersion: 'sys', components: ['b', 'a', 'm'] } },
      warnings: [],
    });
    expect(doc.targets.bot).toEqual({
      system: 'sys',
      components: { a: 'v-a', b: 'v-b', m: 'v-m' },
      prompt: shortHash(
        [
          ['a', 'v-a'],
          ['b', 'v-b'],
        ],
        16,
      ),
      model: 'v-m',
    });
  });
});
