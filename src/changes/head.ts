import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { runGit } from './git.js';

/** The commit a working tree is at, and its branch when HEAD is on one. */
export interface HeadState {
  sha?: string;
  /** The branch's short name; absent when HEAD is detached. */
  ref?: string;
}

/**
 * HEAD's sha and branch, as `git rev-parse HEAD --abbrev-ref HEAD` reports them, read from
 * the repository's files. Every run records them, and a gate runs several arms: starting a
 * git process for each cost more CPU than the runs themselves in the test suite.
 *
 * Handles a `.git` file (worktrees, submodules), a worktree's `commondir`, loose and packed
 * refs. Anything else (a GIT_DIR in the environment, a ref that is a symlink, a reftable
 * repository) is left to git itself. Outside a repository, and on an unborn branch: `{}`.
 */
export async function readHead(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<HeadState> {
  if (env.GIT_DIR === undefined && env.GIT_WORK_TREE === undefined) {
    const read = headFromFiles(dir);
    if (read !== undefined) return read;
  }
  return headFromGit(dir, env);
}

/** `undefined` when the files are not the plain layout this reads: then git is asked. */
function headFromFiles(dir: string): HeadState | undefined {
  const gitDir = findGitDir(resolve(dir));
  if (gitDir === null) return {};
  if (gitDir === undefined) return undefined;
  const head = readText(join(gitDir, 'HEAD'))?.trim();
  if (head === undefined) return undefined;
  if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head)) return { sha: head };
  const symbolic = /^ref: (refs\/heads\/\S+)$/.exec(head);
  if (!symbolic) return undefined;
  const ref = symbolic[1]!;
  const commonDir = commonDirOf(gitDir);
  if (commonDir === undefined) return undefined;
  if (readText(join(commonDir, 'reftable', 'tables.list')) !== undefined) return undefined;
  const loose = readText(join(commonDir, ref)) ?? readText(join(gitDir, ref));
  const sha = loose?.trim() ?? packedRef(commonDir, ref);
  if (sha === undefined) return {};
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) return undefined;
  return { sha, ref: ref.slice('refs/heads/'.length) };
}

/** The git directory for `dir`: null outside any repository, undefined for a layout not read here. */
function findGitDir(start: string): string | null | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const dotGit = join(dir, '.git');
    const kind = kindOf(dotGit);
    if (kind === 'dir') return dotGit;
    if (kind === 'file') {
      const pointer = /^gitdir: (.+)$/m.exec(readText(dotGit) ?? '');
      if (!pointer) return undefined;
      const target = pointer[1]!.trim();
      return isAbsolute(target) ? target : resolve(dir, target);
    }
    if (dirname(dir) === dir) return null;
  }
}

function commonDirOf(gitDir: string): string | undefined {
  const common = readText(join(gitDir, 'commondir'));
  if (common === undefined) return gitDir;
  const path = common.trim();
  if (!path) return undefined;
  return isAbsolute(path) ? path : resolve(gitDir, path);
}

/** A ref's sha from `packed-refs`; undefined when it is not there (an unborn branch). */
function packedRef(commonDir: string, ref: string): string | undefined {
  const packed = readText(join(commonDir, 'packed-refs'));
  if (packed === undefined) return undefined;
  for (const line of packed.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0 && line.slice(space + 1) === ref) return line.slice(0, space);
  }
  return undefined;
}

function kindOf(path: string): 'dir' | 'file' | undefined {
  try {
    const stat = statSync(path);
    return stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

async function headFromGit(dir: string, env: NodeJS.ProcessEnv): Promise<HeadState> {
  let out: string;
  try {
    const result = await runGit(dir, ['rev-parse', 'HEAD', '--abbrev-ref', 'HEAD'], { env });
    if (result.code !== 0) return {};
    out = result.stdout.toString('utf8');
  } catch {
    return {};
  }
  const [sha, ref] = out.trim().split('\n');
  return { ...(sha && { sha }), ...(ref && ref !== 'HEAD' && { ref }) };
}
