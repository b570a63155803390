import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ChangeSourceError,
  type ChangedFile,
  type ChangeSource,
  type FileBlob,
  type FileStatus,
  type Revision,
  type Revisions,
} from './types.js';
import { firstLine } from '../util/text.js';

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface GitRunOptions {
  input?: string | Buffer;
  /** The child's environment; inherited when left out. */
  env?: Record<string, string | undefined>;
}

/**
 * Runs git without a shell. Paths come back unquoted (`core.quotepath=off`) and callers
 * ask for `-z` output, so any file name survives. A non-zero exit is returned, not thrown:
 * for `merge-base` and `rev-parse --verify` it is an answer, not a failure.
 */
export function runGit(
  cwd: string,
  args: readonly string[],
  options: GitRunOptions = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      ['-c', 'core.quotepath=off', ...args],
      {
        cwd,
        encoding: 'buffer',
        maxBuffer: 1024 * 1024 * 1024,
        ...(options.env && { env: { ...options.env, GIT_TERMINAL_PROMPT: '0' } }),
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        if (code === null) {
          reject(
            new ChangeSourceError(
              (error as NodeJS.ErrnoException).code === 'ENOENT'
                ? 'git is not installed or not on PATH; evalgate needs it to find what changed'
                : `git ${args[0]} failed: ${error!.message}`,
            ),
          );
          return;
        }
        resolve({ code, stdout, stderr: stderr.toString('utf8') });
      },
    );
    child.stdin?.on('error', () => {
      // git may exit before reading all of its input; the exit code tells what happened.
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

async function gitOk(cwd: string, args: readonly string[], options: GitRunOptions = {}): Promise<Buffer> {
  const result = await runGit(cwd, args, options);
  if (result.code !== 0) {
    throw new ChangeSourceError(
      `git ${args.join(' ')} failed: ${firstLine(result.stderr) || `exit ${result.code}`}`,
    );
  }
  return result.stdout;
}

export interface GitChangeSourceOptions {
  /** Any directory inside the repository. */
  cwd: string;
  base: string;
  head?: string;
  /** Fetch a missing base ref or the history a shallow clone lacks. Default true. */
  fetch?: boolean;
  /** Remote to fetch from; `origin` when it exists, else the first remote. */
  remote?: string;
  env?: Record<string, string | undefined>;
  /**
   * With no `head` given: the head is the working tree, as `evalgate run` runs it — HEAD plus
   * uncommitted changes (staged, unstaged, and untracked files git does not ignore). Without
   * it, an edit not yet committed would be planned as no change and run nothing.
   */
  workingTree?: boolean;
}

/** What the head of a plan of an uncommitted working tree is called. */
export const WORKING_TREE_REF = 'the working tree';

/** Depths tried, in turn, to reach the merge base of a shallow clone before fetching everything. */
const DEEPEN_STEPS = [50, 200, 1000, 5000];

/**
 * Changes from local git: `git diff <merge-base> <head>` with renames, like a pull request's
 * diff (`base...head`). Contents come from one `git cat-file --batch` per round of reads,
 * keyed by blob id, so a file unchanged between base and head is read once.
 */
export class GitChangeSource implements ChangeSource {
  readonly #options: GitChangeSourceOptions;
  #root?: string;
  #revisions?: Promise<Revisions>;
  /** What the plan should tell the user about how the history was obtained. */
  readonly notes: string[] = [];
  readonly #trees = new Map<string, Promise<Map<string, string>>>();
  readonly #gitlinks = new Set<string>();
  readonly #blobs = new Map<string, Buffer>();

  constructor(options: GitChangeSourceOptions) {
    this.#options = options;
  }

  /** The repository root; known after `open()` or `revisions()`. */
  get root(): string {
    if (!this.#root) throw new Error('GitChangeSource: call open() first');
    return this.#root;
  }

  /** Finds the repository; fails with a user-facing error when `cwd` is not in one. */
  async open(): Promise<string> {
    if (this.#root) return this.#root;
    const result = await this.#git(['rev-parse', '--show-toplevel']);
    if (result.code !== 0) {
      throw new ChangeSourceError(
        `${this.#options.cwd} is not inside a git repository: evalgate plan compares two revisions of one (${firstLine(result.stderr)})`,
      );
    }
    this.#root = result.stdout.toString('utf8').trim();
    return this.#root;
  }

  revisions(): Promise<Revisions> {
    this.#revisions ??= this.#resolveRevisions();
    return this.#revisions;
  }

  async changedFiles(): Promise<ChangedFile[]> {
    const { mergeBase, head } = await this.revisions();
    const out = await this.#gitOk([
      'diff',
      '--raw',
      '--numstat',
      '-z',
      '-M',
      '--no-abbrev',
      '--no-ext-diff',
      '--no-textconv',
      '--no-color',
      '--no-relative',
      mergeBase,
      head.sha,
      '--',
    ]);
    return parseRawNumstat(out.toString('utf8'));
  }

  listFiles(sha: string): Promise<Map<string, string>> {
    let tree = this.#trees.get(sha);
    if (!tree) {
      tree = this.#gitOk(['ls-tree', '-r', '-z', '--full-tree', sha]).then((out) => {
        const files = new Map<string, string>();
        for (const entry of out.toString('utf8').split('\0')) {
          if (!entry) continue;
          const tab = entry.indexOf('\t');
          const [, type, id] = entry.slice(0, tab).split(' ');
          if (!id) continue;
          files.set(entry.slice(tab + 1), id);
          if (type === 'commit') this.#gitlinks.add(id);
        }
        return files;
      });
      this.#trees.set(sha, tree);
    }
    return tree;
  }

  async readFiles(sha: string, paths: readonly string[]): Promise<Map<string, FileBlob>> {
    const tree = await this.listFiles(sha);
    const wanted = new Set<string>();
    for (const path of paths) {
      const id = tree.get(path);
      if (id && !this.#gitlinks.has(id) && !this.#blobs.has(id)) wanted.add(id);
    }
    if (wanted.size) {
      const ids = [...wanted];
      const out = await this.#gitOk(['cat-file', '--batch'], { input: ids.join('\n') + '\n' });
      for (const [id, data] of parseCatFileBatch(out)) this.#blobs.set(id, data);
    }
    const result = new Map<string, FileBlob>();
    for (const path of paths) {
      const id = tree.get(path);
      if (!id) continue;
      if (this.#gitlinks.has(id)) result.set(path, { id });
      else {
        const data = this.#blobs.get(id);
        if (data) result.set(path, { id, data });
      }
    }
    return result;
  }

  async #resolveRevisions(): Promise<Revisions> {
    await this.open();
    const { base: baseRef, head: headRef = 'HEAD' } = this.#options;
    const head = await this.#resolve(headRef, 'head');
    const base = await this.#resolve(baseRef, 'base');
    const mergeBase = await this.#mergeBase(base, head);
    if (this.#options.workingTree && this.#options.head === undefined) {
      const tree = await this.#workingTree();
      if (tree) {
        this.notes.push(
          `head is the working tree: HEAD (${head.sha.slice(0, 7)}) with its uncommitted changes, staged or not, and untracked files git does not ignore`,
        );
        return { base, head: { ref: WORKING_TREE_REF, sha: tree }, mergeBase };
      }
    }
    return { base, head, mergeBase };
  }

  /**
   * The working tree as a git tree object, when it differs from HEAD; undefined when clean.
   * Written through a copy of the index (its stat data spares re-reading unchanged files), so
   * the user's index and working tree are left as they were; the tree and the blobs of
   * changed files land in the object store as unreferenced objects, as `git stash create`'s
   * do, for git's garbage collection to prune.
   */
  async #workingTree(): Promise<string | undefined> {
    const status = await this.#gitOk(['status', '--porcelain=v1', '-z', '--untracked-files=all']);
    if (status.length === 0) return undefined;
    const index = resolve(
      this.#root!,
      (await this.#gitOk(['rev-parse', '--git-path', 'index'])).toString('utf8').trim(),
    );
    const dir = mkdtempSync(join(tmpdir(), 'evalgate-index-'));
    try {
      const copy = join(dir, 'index');
      if (existsSync(index)) copyFileSync(index, copy);
      const env = { ...(this.#options.env ?? process.env), GIT_INDEX_FILE: copy };
      await gitOk(this.#root!, ['add', '--all', '--', '.'], { env });
      return (await gitOk(this.#root!, ['write-tree'], { env })).toString('utf8').trim();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async #resolve(ref: string, which: 'base' | 'head'): Promise<Revision> {
    if (ref.startsWith('-')) throw new ChangeSourceError(`${which} ref '${ref}' is not a revision`);
    let sha = await this.#revParse(ref);
    let fetchError = '';
    if (!sha && this.#options.fetch !== false) {
      const remote = await this.#remote();
      if (remote) {
        const fetched = await this.#fetchRef(remote, ref);
        sha = fetched.sha;
        fetchError = fetched.error;
      }
    }
    if (!sha) {
      const remote = (await this.#remote()) ?? 'origin';
      const branch = ref.startsWith(`${remote}/`) ? ref.slice(remote.length + 1) : ref;
      throw new ChangeSourceError(
        `${which} ref '${ref}' is not in this clone${fetchError ? ` (fetching it from ${remote} failed: ${fetchError})` : ''}. ` +
          `In GitHub Actions, set \`fetch-depth: 0\` on actions/checkout so branches and history are there; ` +
          `elsewhere fetch it first: \`git fetch ${remote} ${branch}\`.`,
      );
    }
    return { ref, sha };
  }

  async #revParse(ref: string): Promise<string | undefined> {
    const result = await this.#git([
      'rev-parse',
      '--verify',
      '--quiet',
      '--end-of-options',
      `${ref}^{commit}`,
    ]);
    return result.code === 0 ? result.stdout.toString('utf8').trim() : undefined;
  }

  async #remote(): Promise<string | undefined> {
    if (this.#options.remote) return this.#options.remote;
    const remotes = (await this.#git(['remote'])).stdout.toString('utf8').split('\n').filter(Boolean);
    return remotes.includes('origin') ? 'origin' : remotes[0];
  }

  async #shallow(): Promise<boolean> {
    const result = await this.#git(['rev-parse', '--is-shallow-repository']);
    return result.stdout.toString('utf8').trim() === 'true';
  }

  /** Fetches a branch (`main`, `origin/main`) or commit the clone lacks, keeping a shallow clone shallow. */
  async #fetchRef(remote: string, ref: string): Promise<{ sha?: string; error: string }> {
    const depth = (await this.#shallow()) ? ['--depth=1'] : [];
    if (/^[0-9a-f]{7,64}$/i.test(ref)) {
      const result = await this.#git(['fetch', '--quiet', '--no-tags', ...depth, remote, ref]);
      return { sha: await this.#revParse(ref), error: firstLine(result.stderr) };
    }
    const branch = ref.replace(/^refs\/heads\//, '').replace(new RegExp(`^${escapeRegex(remote)}/`), '');
    const tracking = `refs/remotes/${remote}/${branch}`;
    const result = await this.#git([
      'fetch',
      '--quiet',
      '--no-tags',
      ...depth,
      remote,
      `+refs/heads/${branch}:${tracking}`,
    ]);
    if (result.code !== 0) return { error: firstLine(result.stderr) };
    this.notes.push(`fetched '${branch}' from ${remote}: it was not in this clone`);
    return { sha: (await this.#revParse(ref)) ?? (await this.#revParse(tracking)), error: '' };
  }

  async #mergeBase(base: Revision, head: Revision): Promise<string> {
    const find = async () => {
      const result = await this.#git(['merge-base', base.sha, head.sha]);
      return result.code === 0 ? result.stdout.toString('utf8').trim() : undefined;
    };
    let mergeBase = await find();
    if (mergeBase) return mergeBase;
    if (!(await this.#shallow())) {
      throw new ChangeSourceError(
        `${base.ref} and ${head.ref} share no history: there is no merge base to diff from`,
      );
    }
    const have = await this.#depths(base, head);
    const remote = this.#options.fetch === false ? undefined : await this.#remote();
    if (!remote) {
      throw new ChangeSourceError(
        `cannot diff ${base.ref}...${head.ref}: this clone is shallow and their merge base is not in it ` +
          `(${head.ref} has ${plural(have.head, 'commit')} of history here and ${base.ref} ${have.base}, ` +
          `so the merge base is more than ${plural(have.head, 'commit')} behind ${head.ref}), and ` +
          `${this.#options.fetch === false ? 'fetching is turned off' : 'there is no remote to fetch more from'}. ` +
          `Set \`fetch-depth: 0\` on actions/checkout, or fetch the missing history: \`git fetch --unshallow\`, ` +
          `or \`git fetch --deepen=N\` for N more commits until the merge base is reached.`,
      );
    }
    let deepened = 0;
    for (const step of DEEPEN_STEPS) {
      const result = await this.#git(['fetch', '--quiet', '--no-tags', `--deepen=${step}`, remote]);
      if (result.code !== 0) {
        throw new ChangeSourceError(
          `cannot diff ${base.ref}...${head.ref}: this clone is shallow and fetching more history from ${remote} failed ` +
            `(${firstLine(result.stderr)}). Set \`fetch-depth: 0\` on actions/checkout.`,
        );
      }
      deepened += step;
      mergeBase = await find();
      if (mergeBase || !(await this.#shallow())) break;
    }
    let how = `deepened the history by ${deepened} commits`;
    if (!mergeBase) {
      await this.#git(['fetch', '--quiet', '--no-tags', '--unshallow', remote]);
      mergeBase = await find();
      how = 'fetched the whole history';
    }
    if (!mergeBase) {
      throw new ChangeSourceError(
        `${base.ref} and ${head.ref} share no history, even after fetching all of it from ${remote}`,
      );
    }
    const ahead = await this.#count(`${mergeBase}..${head.sha}`);
    const behind = await this.#count(`${mergeBase}..${base.sha}`);
    this.notes.push(
      `shallow clone: ${how} from ${remote} to reach the merge base ` +
        `(head is ${plural(ahead, 'commit')} past it, base ${behind}); set \`fetch-depth: 0\` on actions/checkout ` +
        `to have the history up front`,
    );
    return mergeBase;
  }

  async #depths(base: Revision, head: Revision): Promise<{ base: number; head: number }> {
    return { base: await this.#count(base.sha), head: await this.#count(head.sha) };
  }

  async #count(range: string): Promise<number> {
    const out = await this.#gitOk(['rev-list', '--count', range]);
    return Number(out.toString('utf8').trim());
  }

  #git(args: readonly string[], options: Omit<GitRunOptions, 'env'> = {}): Promise<GitResult> {
    return runGit(this.#root ?? this.#options.cwd, args, { ...options, env: this.#options.env });
  }

  #gitOk(args: readonly string[], options: Omit<GitRunOptions, 'env'> = {}): Promise<Buffer> {
    return gitOk(this.#root ?? this.#options.cwd, args, { ...options, env: this.#options.env });
  }
}

/**
 * Parses `git diff --raw --numstat -z`: raw records (`:mode mode sha sha status\0path\0[path\0]`)
 * give status and renames; the numstat records after them mark binary files with `-`.
 */
export function parseRawNumstat(text: string): ChangedFile[] {
  const tokens = text.split('\0');
  const files: ChangedFile[] = [];
  let i = 0;
  while (i < tokens.length && tokens[i]!.startsWith(':')) {
    const letter = tokens[i]!.split(' ')[4]?.[0] ?? 'M';
    const first = tokens[i + 1]!;
    if (letter === 'R' || letter === 'C') {
      const path = tokens[i + 2]!;
      files.push(
        letter === 'R'
          ? { path, status: 'renamed', previousPath: first, binary: false }
          : { path, status: 'added', binary: false },
      );
      i += 3;
    } else {
      const status: FileStatus = letter === 'A' ? 'added' : letter === 'D' ? 'deleted' : 'modified';
      files.push({ path: first, status, binary: false });
      i += 2;
    }
  }
  const binary = new Set<string>();
  while (i < tokens.length) {
    const token = tokens[i]!;
    if (!token) {
      i++;
      continue;
    }
    const [added, , path] = token.split('\t');
    let target = path;
    if (path === '') {
      target = tokens[i + 2];
      i += 3;
    } else i++;
    if (added === '-' && target !== undefined) binary.add(target);
  }
  for (const file of files) if (binary.has(file.path)) file.binary = true;
  return files;
}

/** Splits `git cat-file --batch` output: `<id> <type> <size>\n<bytes>\n` per object, `<id> missing\n` for none. */
export function parseCatFileBatch(out: Buffer): Map<string, Buffer> {
  const blobs = new Map<string, Buffer>();
  let at = 0;
  while (at < out.length) {
    const eol = out.indexOf(0x0a, at);
    if (eol < 0) break;
    const header = out.toString('utf8', at, eol).split(' ');
    at = eol + 1;
    if (header[1] === 'missing' || header.length < 3) continue;
    const size = Number(header[2]);
    blobs.set(header[0]!, out.subarray(at, at + size));
    at += size + 1;
  }
  return blobs;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
