import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/tmp.js';
import { main } from '../main.js';
import type { CliIO } from '../types.js';

async function cli(argv: string[], cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd, env: {}, isTTY: false };
  return { code: await main(argv, io), stdout: out.join(''), stderr: err.join('') };
}

describe('production commands: help', () => {
  it('prints each command’s help, with no config and no policy present, and lists them in the command table', async () => {
    const dir = tempDir('evalgate-help-');
    for (const command of ['policy', 'versions', 'record', 'prune']) {
      const a = await cli(['help', command], dir);
      const b = await cli([command, '--help'], dir);
      expect(a.code).toBe(0);
      expect(a.stdout).toMatch(new RegExp(`^Usage: evalgate ${command}`));
      expect(a).toEqual(b);
    }
    const help = (await cli(['help'], dir)).stdout;
    for (const command of ['policy', 'versions', 'record', 'prune'])
      expect(help).toMatch(new RegExp(`\n  ${command} +\\S`));
  });

  it('refuses an unknown option with exit 2', async () => {
    const dir = tempDir('evalgate-help-');
    const r = await cli(['prune', '--older-than', '3'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^evalgate: Unknown option '--older-than'/);
  });
});
