import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRepo, git } from '../../test/helpers/git.js';
import { tempDir } from '../../test/helpers/tmp.js';
import { readHead } from './head.js';

/** What git itself says, the way evaluate used to ask it. */
function gitSays(dir: string): { sha?: string; ref?: string } {
  let out: string;
  try {
    out = git(dir, 'rev-parse', 'HEAD', '--abbrev-ref', 'HEAD');
  } catch {
    return {};
  }
  const [sha, ref] = out.split('\n');
  return { ...(sha && { sha }), ...(ref && ref !== 'HEAD' && { ref }) };
}

describe('readHead', () => {
  it('agrees with git on a branch, in a subfolder, with packed refs, detached, and in a worktree', async () => {
    const repo = createRepo();
    repo.write({ 'a/b/file.txt': 'one\n' });
    const first = repo.commit('first');
    expect(await readHead(repo.dir)).toEqual({ sha: first, ref: 'main' });
    expect(await readHead(join(repo.dir, 'a', 'b'))).toEqual(gitSays(join(repo.dir, 'a', 'b')));

    repo.branch('feature/x');
    repo.write({ 'a/b/file.txt': 'two\n' });
    const second = repo.commit('second');
    expect(await readHead(repo.dir)).toEqual({ sha: second, ref: 'feature/x' });

    repo.git('pack-refs', '--all', '--prune');
    expect(await readHead(repo.dir)).toEqual({ sha: second, ref: 'feature/x' });

    repo.checkout(first);
    expect(await readHead(repo.dir)).toEqual({ sha: first });
    expect(gitSays(repo.dir)).toEqual({ sha: first });

    const tree = join(tempDir('evalgate-worktree-'), 'wt');
    repo.git('worktree', 'add', '-q', '-b', 'side', tree, second);
    expect(await readHead(tree)).toEqual({ sha: second, ref: 'side' });
    expect(await readHead(tree)).toEqual(gitSays(tree));
    repo.git('worktree', 'remove', '--force', tree);
  });

  it('is empty outside a repository and on an unborn branch, as git is', async () => {
    const outside = tempDir('evalgate-nogit-');
    mkdirSync(join(outside, 'sub'));
    // The temp folder itself may sit inside a repository on some machines; compare with git.
    expect(await readHead(join(outside, 'sub'))).toEqual(gitSays(join(outside, 'sub')));
    const unborn = createRepo();
    expect(await readHead(unborn.dir)).toEqual({});
  });

  it('asks git when the layout is not one it reads', async () => {
    const repo = createRepo();
    repo.write({ 'f.txt': 'x\n' });
    const sha = repo.commit('c');
    // A .git file pointing nowhere readable as a git dir: git reports no repository.
    const odd = tempDir('evalgate-oddgit-');
    writeFileSync(join(odd, '.git'), 'not a pointer\n');
    expect(await readHead(odd)).toEqual(gitSays(odd));
    // GIT_DIR set: the environment decides, so git is asked and answers for that repository.
    const elsewhere = tempDir('evalgate-elsewhere-');
    expect(await readHead(elsewhere, { ...process.env, GIT_DIR: join(repo.dir, '.git') })).toEqual({
      sha,
      ref: 'main',
    });
  });
});
