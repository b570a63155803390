import { parseCatFileBatch, runGit, type GitResult } from '../../changes/git.js';
import { baselineFileName, parseBaseline, serializeBaseline, suiteIdFromFileName } from '../document.js';
import type { Baseline, BaselineListing, BaselineStore, SaveResult } from '../types.js';
import { backoffDelay, BaselineStoreError, sleep as realSleep } from './errors.js';
import { listingOf } from './listing.js';
import { firstLine } from '../../util/text.js';

export interface GitBranchStoreOptions {
  /** Any directory in the repository. */
  repoDir: string;
  /** Default `evalgate-baselines`. */
  branch?: string;
  /** Fetch the branch from and push it to this remote; without one, only the local branch is used. */
  remote?: string;
  /** The environment git runs with; inherited when left out. */
  env?: Record<string, string | undefined>;
  /** Compare-and-swap attempts before giving up. Default 8. */
  maxAttempts?: number;
  /** First backoff step; doubles per attempt, with jitter. Default 100 ms. */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * Called once a commit is built on `base`, just before the ref is swapped. A seam for tests
   * that hold writers here to make them race from the same tip.
   */
  beforeSwap?: (attempt: number, base: string | undefined) => Promise<void>;
}

interface TreeEntry {
  mode: string;
  type: string;
  sha: string;
  name: string;
}

/** Stand-in identity for `commit-tree` on machines (CI) where git has none configured. */
const FALLBACK_IDENTITY = ['-c', 'user.name=evalgate', '-c', 'user.email=evalgate@users.noreply.github.com'];

/**
 * Baselines on a dedicated branch of the same repository, one `<suite>.json` per suite at its
 * root. Written with plumbing only (`hash-object -w`, `mktree`, `commit-tree`, then
 * `update-ref <ref> <new> <old>` or a non-forced push), so the working tree, the index and
 * the checked-out branch are never touched.
 *
 * Writers never lose each other's updates: each attempt re-reads the branch tip, lays its
 * suite files over the tip's tree, and swaps the ref only if it still points at that tip —
 * locally by update-ref's old-value check, on a remote by the push being a fast-forward.
 * A lost race re-reads and retries after a jittered backoff, a bounded number of times.
 */
export class GitBranchStore implements BaselineStore {
  readonly kind = 'git-branch';
  readonly #o: Required<Pick<GitBranchStoreOptions, 'branch' | 'maxAttempts' | 'backoffMs'>> &
    GitBranchStoreOptions;
  #identity?: Promise<string[]>;

  constructor(options: GitBranchStoreOptions) {
    this.#o = { branch: 'evalgate-baselines', maxAttempts: 8, backoffMs: 100, ...options };
  }

  /** The ref the tip is read from: the local branch, or the remote-tracking ref it is fetched into. */
  get ref(): string {
    const { remote, branch } = this.#o;
    return remote ? `refs/remotes/${remote}/${branch}` : `refs/heads/${branch}`;
  }

  #where(name: string): string {
    return `${this.#o.remote ? `${this.#o.remote}/` : ''}${this.#o.branch}:${name}`;
  }

  async load(suiteIds: readonly string[]): Promise<Map<string, Baseline>> {
    const out = new Map<string, Baseline>();
    const tip = await this.#tip();
    if (!tip) return out;
    const entries = new Map((await this.#tree(tip)).map((e) => [e.name, e]));
    const wanted = suiteIds
      .map((id) => ({ id, entry: entries.get(baselineFileName(id)) }))
      .filter((w): w is { id: string; entry: TreeEntry } => !!w.entry);
    const blobs = await this.#blobs(wanted.map((w) => w.entry.sha));
    for (const { id, entry } of wanted) {
      const blob = blobs.get(entry.sha);
      if (!blob) throw new BaselineStoreError(`cannot read ${this.#where(entry.name)} (blob ${entry.sha})`);
      out.set(id, parseBaseline(blob.toString('utf8'), this.#where(entry.name), id));
    }
    return out;
  }

  async list(): Promise<BaselineListing[]> {
    const tip = await this.#tip();
    if (!tip) return [];
    const entries = (await this.#tree(tip)).filter((e) => e.type === 'blob' && suiteIdFromFileName(e.name));
    const blobs = await this.#blobs(entries.map((e) => e.sha));
    return entries.map((e) => {
      const where = this.#where(e.name);
      return listingOf(parseBaseline(blobs.get(e.sha)?.toString('utf8') ?? '', where), where);
    });
  }

  async save(baselines: readonly Baseline[], options: { message: string }): Promise<SaveResult> {
    const files = new Map<string, string>();
    for (const b of baselines)
      files.set(baselineFileName(b.suite), await this.#hashObject(serializeBaseline(b)));
    const locations = Object.fromEntries(
      baselines.map((b) => [b.suite, this.#where(baselineFileName(b.suite))]),
    );
    const sleep = this.#o.sleep ?? realSleep;
    let lastFailure = '';
    for (let attempt = 1; attempt <= this.#o.maxAttempts; attempt++) {
      const base = await this.#tip();
      const entries = base ? await this.#tree(base) : [];
      const merged = new Map(entries.map((e) => [e.name, e]));
      for (const [name, sha] of files) merged.set(name, { mode: '100644', type: 'blob', sha, name });
      const tree = await this.#mktree([...merged.values()]);
      if (base && tree === (await this.#treeOf(base))) return { commit: base, locations, attempts: attempt };
      const commit = await this.#commitTree(tree, base, options.message);
      await this.#o.beforeSwap?.(attempt, base);
      const swapped = await this.#swap(commit, base);
      if (swapped === true) return { commit, locations, attempts: attempt };
      lastFailure = swapped;
      if (attempt < this.#o.maxAttempts)
        await sleep(backoffDelay(attempt - 1, this.#o.backoffMs, this.#o.random));
    }
    throw new BaselineStoreError(
      `could not update ${this.#o.remote ? `${this.#o.remote}/` : ''}${this.#o.branch} after ${this.#o.maxAttempts} attempts: ` +
        `other writers kept moving it (${lastFailure})`,
    );
  }

  /** The branch tip, fetched first when there is a remote; undefined when the branch does not exist yet. */
  async #tip(): Promise<string | undefined> {
    const { remote, branch } = this.#o;
    if (remote) {
      const fetched = await this.#git([
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-write-fetch-head',
        remote,
        `+refs/heads/${branch}:${this.ref}`,
      ]);
      if (fetched.code !== 0) {
        if (/couldn't find remote ref/i.test(fetched.stderr)) {
          // Deleted on the remote: a tracking ref left from earlier would be a stale tip.
          await this.#git(['update-ref', '-d', this.ref]);
          return undefined;
        }
        throw new BaselineStoreError(`git fetch ${remote} ${branch} failed: ${firstLine(fetched.stderr)}`);
      }
    }
    const result = await this.#git(['rev-parse', '--verify', '-q', `${this.ref}^{commit}`]);
    return result.code === 0 ? result.stdout.toString('utf8').trim() : undefined;
  }

  /** True when the ref now points at `commit`; otherwise why not, when it is worth retrying. */
  async #swap(commit: string, base: string | undefined): Promise<true | string> {
    const { remote, branch } = this.#o;
    if (!remote) {
      const result = await this.#git(['update-ref', '-m', 'evalgate baseline', this.ref, commit, base ?? '']);
      if (result.code === 0) return true;
      return lostRace(result, 'update-ref');
    }
    // Not forced: the remote takes it only as a fast-forward of the tip it was built on.
    const pushed = await this.#git(['push', '--quiet', remote, `${commit}:refs/heads/${branch}`]);
    if (pushed.code === 0) {
      await this.#git(['update-ref', this.ref, commit]);
      return true;
    }
    return lostRace(pushed, 'push');
  }

  async #tree(commit: string): Promise<TreeEntry[]> {
    const out = (await this.#gitOk(['ls-tree', '-z', commit])).toString('utf8');
    return out
      .split('\0')
      .filter(Boolean)
      .map((line) => {
        const tab = line.indexOf('\t');
        const [mode, type, sha] = line.slice(0, tab).split(' ') as [string, string, string];
        return { mode, type, sha, name: line.slice(tab + 1) };
      });
  }

  async #treeOf(commit: string): Promise<string> {
    return (await this.#gitOk(['rev-parse', `${commit}^{tree}`])).toString('utf8').trim();
  }

  async #blobs(shas: string[]): Promise<Map<string, Buffer>> {
    if (shas.length === 0) return new Map();
    return parseCatFileBatch(await this.#gitOk(['cat-file', '--batch'], `${shas.join('\n')}\n`));
  }

  async #hashObject(text: string): Promise<string> {
    return (await this.#gitOk(['hash-object', '-w', '--stdin'], text)).toString('utf8').trim();
  }

  async #mktree(entries: TreeEntry[]): Promise<string> {
    const input = entries.map((e) => `${e.mode} ${e.type} ${e.sha}\t${e.name}\0`).join('');
    return (await this.#gitOk(['mktree', '-z'], input)).toString('utf8').trim();
  }

  async #commitTree(tree: string, parent: string | undefined, message: string): Promise<string> {
    this.#identity ??= this.#git(['var', 'GIT_COMMITTER_IDENT']).then((r) =>
      r.code === 0 ? [] : FALLBACK_IDENTITY,
    );
    const identity = await this.#identity;
    const args = [...identity, 'commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message];
    return (await this.#gitOk(args)).toString('utf8').trim();
  }

  #git(args: string[], input?: string): Promise<GitResult> {
    return runGit(this.#o.repoDir, args, {
      ...(input !== undefined && { input }),
      ...(this.#o.env && { env: this.#o.env }),
    });
  }

  async #gitOk(args: string[], input?: string): Promise<Buffer> {
    const result = await this.#git(args, input);
    if (result.code !== 0) {
      const command = args.find((a) => !a.startsWith('-') && !a.includes('=')) ?? args[0];
      throw new BaselineStoreError(
        `git ${command} failed: ${firstLine(result.stderr) || `exit ${result.code}`}`,
      );
    }
    return result.stdout;
  }
}

/**
 * A failed swap that another writer caused (the ref moved, or was locked while it moved) is
 * returned to retry; anything else — no permission, no network — is thrown at once.
 */
function lostRace(result: GitResult, what: string): string {
  const text = `${result.stderr}\n${result.stdout.toString('utf8')}`;
  if (
    /non-fast-forward|fetch first|\[rejected\]|cannot lock ref|failed to lock|unable to create .*\.lock|is at [0-9a-f]+ but expected|reference already exists|failed to update ref|stale info|incorrect old value/i.test(
      text,
    )
  ) {
    return firstLine(text) || `${what} rejected`;
  }
  throw new BaselineStoreError(`git ${what} failed: ${firstLine(text) || `exit ${result.code}`}`);
}
