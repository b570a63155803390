import { baselineFileName, parseBaseline, serializeBaseline, suiteIdFromFileName } from '../document.js';
import type { Baseline, BaselineListing, BaselineStore, SaveResult } from '../types.js';
import { backoffDelay, BaselineStoreError, sleep as realSleep } from './errors.js';
import { listingOf } from './listing.js';

/** The one Octokit call this store makes: an Octokit instance fits, and so does a test double. */
export interface OctokitLike {
  request(route: string, params?: Record<string, unknown>): Promise<{ status: number; data: unknown }>;
}

export interface GitHubBranchStoreOptions {
  octokit: OctokitLike;
  owner: string;
  repo: string;
  /** Default `evalgate-baselines`. */
  branch?: string;
  /** Default 8. */
  maxAttempts?: number;
  /** Default 250 ms; doubles per attempt, with jitter. */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /**
   * Called once a commit is built on `base`, just before the ref is swapped. A seam for tests
   * that hold writers here to make them race from the same tip.
   */
  beforeSwap?: (attempt: number, base: string | undefined) => Promise<void>;
}

interface GitTree {
  sha: string;
  tree: { path: string; mode: string; type: string; sha: string }[];
}

/**
 * The `git-branch` store through GitHub's Git Data API, for the Action, where a checkout may
 * be shallow and pushing needs no credentials set up in git. Same layout and the same
 * compare-and-swap as the local store: blobs, a tree on `base_tree` (the tip's tree, so other
 * suites' files carry over), a commit whose parent is the tip, then a non-forced ref update,
 * which GitHub refuses with 422 when the tip moved — another writer won, so re-read and retry.
 */
export class GitHubBranchStore implements BaselineStore {
  readonly kind = 'git-branch (GitHub API)';
  readonly #o: Required<Pick<GitHubBranchStoreOptions, 'branch' | 'maxAttempts' | 'backoffMs'>> &
    GitHubBranchStoreOptions;

  constructor(options: GitHubBranchStoreOptions) {
    this.#o = { branch: 'evalgate-baselines', maxAttempts: 8, backoffMs: 250, ...options };
  }

  #where(name: string): string {
    return `${this.#o.owner}/${this.#o.repo}@${this.#o.branch}:${name}`;
  }

  async #request<T>(route: string, params: Record<string, unknown> = {}): Promise<T> {
    const response = await this.#o.octokit.request(route, {
      owner: this.#o.owner,
      repo: this.#o.repo,
      ...params,
    });
    return response.data as T;
  }

  async load(suiteIds: readonly string[]): Promise<Map<string, Baseline>> {
    const out = new Map<string, Baseline>();
    const tip = await this.#tip();
    if (!tip) return out;
    const tree = await this.#tree(tip.tree);
    for (const id of suiteIds) {
      const name = baselineFileName(id);
      const entry = tree.tree.find((e) => e.path === name && e.type === 'blob');
      if (entry) out.set(id, parseBaseline(await this.#blob(entry.sha), this.#where(name), id));
    }
    return out;
  }

  async list(): Promise<BaselineListing[]> {
    const tip = await this.#tip();
    if (!tip) return [];
    const tree = await this.#tree(tip.tree);
    const out: BaselineListing[] = [];
    for (const e of tree.tree) {
      if (e.type !== 'blob' || !suiteIdFromFileName(e.path)) continue;
      out.push(listingOf(parseBaseline(await this.#blob(e.sha), this.#where(e.path)), this.#where(e.path)));
    }
    return out;
  }

  async save(baselines: readonly Baseline[], options: { message: string }): Promise<SaveResult> {
    const blobs: { path: string; sha: string }[] = [];
    for (const b of baselines) {
      const blob = await this.#call('creating a blob', () =>
        this.#request<{ sha: string }>('POST /repos/{owner}/{repo}/git/blobs', {
          content: serializeBaseline(b),
          encoding: 'utf-8',
        }),
      );
      blobs.push({ path: baselineFileName(b.suite), sha: blob.sha });
    }
    const locations = Object.fromEntries(
      baselines.map((b) => [b.suite, this.#where(baselineFileName(b.suite))]),
    );
    const sleep = this.#o.sleep ?? realSleep;
    let lastFailure = '';
    for (let attempt = 1; attempt <= this.#o.maxAttempts; attempt++) {
      const tip = await this.#tip();
      const tree = await this.#call('creating a tree', () =>
        this.#request<{ sha: string }>('POST /repos/{owner}/{repo}/git/trees', {
          ...(tip && { base_tree: tip.tree }),
          tree: blobs.map((b) => ({ path: b.path, mode: '100644', type: 'blob', sha: b.sha })),
        }),
      );
      if (tip && tree.sha === tip.tree) return { commit: tip.sha, locations, attempts: attempt };
      const commit = await this.#call('creating a commit', () =>
        this.#request<{ sha: string }>('POST /repos/{owner}/{repo}/git/commits', {
          message: options.message,
          tree: tree.sha,
          parents: tip ? [tip.sha] : [],
        }),
      );
      await this.#o.beforeSwap?.(attempt, tip?.sha);
      try {
        if (tip) {
          await this.#request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', {
            ref: `heads/${this.#o.branch}`,
            sha: commit.sha,
            force: false,
          });
        } else {
          await this.#request('POST /repos/{owner}/{repo}/git/refs', {
            ref: `refs/heads/${this.#o.branch}`,
            sha: commit.sha,
          });
        }
        return { commit: commit.sha, locations, attempts: attempt };
      } catch (e) {
        if (!lostRace(e)) throw storeError(e, `updating ${this.#o.owner}/${this.#o.repo}@${this.#o.branch}`);
        lastFailure = messageOf(e);
      }
      if (attempt < this.#o.maxAttempts)
        await sleep(backoffDelay(attempt - 1, this.#o.backoffMs, this.#o.random));
    }
    throw new BaselineStoreError(
      `could not update ${this.#o.owner}/${this.#o.repo}@${this.#o.branch} after ${this.#o.maxAttempts} attempts: ` +
        `other writers kept moving it (${lastFailure})`,
    );
  }

  async #tip(): Promise<{ sha: string; tree: string } | undefined> {
    let ref: { object: { sha: string } };
    try {
      ref = await this.#request('GET /repos/{owner}/{repo}/git/ref/{ref}', {
        ref: `heads/${this.#o.branch}`,
      });
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw storeError(e, `reading ${this.#o.owner}/${this.#o.repo}@${this.#o.branch}`);
    }
    const commit = await this.#call('reading the tip commit', () =>
      this.#request<{ sha: string; tree: { sha: string } }>(
        'GET /repos/{owner}/{repo}/git/commits/{commit_sha}',
        {
          commit_sha: ref.object.sha,
        },
      ),
    );
    return { sha: commit.sha, tree: commit.tree.sha };
  }

  #tree(sha: string): Promise<GitTree> {
    return this.#call('reading a tree', () =>
      this.#request<GitTree>('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', { tree_sha: sha }),
    );
  }

  async #blob(sha: string): Promise<string> {
    const blob = await this.#call('reading a blob', () =>
      this.#request<{ content: string; encoding: string }>('GET /repos/{owner}/{repo}/git/blobs/{file_sha}', {
        file_sha: sha,
      }),
    );
    return blob.encoding === 'base64' ? Buffer.from(blob.content, 'base64').toString('utf8') : blob.content;
  }

  async #call<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw storeError(e, `${what} on ${this.#o.owner}/${this.#o.repo}@${this.#o.branch}`);
    }
  }
}

function statusOf(e: unknown): number | undefined {
  const status = (e as { status?: unknown })?.status;
  return typeof status === 'number' ? status : undefined;
}

function messageOf(e: unknown): string {
  return (e as Error)?.message ?? String(e);
}

/** GitHub's answers when the ref moved under us (or was created by someone else first). */
function lostRace(e: unknown): boolean {
  const status = statusOf(e);
  return (
    (status === 422 || status === 409) &&
    /not a fast.forward|reference update failed|reference already exists|reference cannot be updated/i.test(
      messageOf(e),
    )
  );
}

function storeError(e: unknown, doing: string): BaselineStoreError {
  if (e instanceof BaselineStoreError) return e;
  const status = statusOf(e);
  // 403 on a write is the usual missing permission; 404 is how GitHub hides a repository from a token.
  const hint =
    status === 403 || status === 404 ? `; the token needs 'contents: write' on the repository` : '';
  return new BaselineStoreError(
    `GitHub API: ${doing} failed${status ? ` (HTTP ${status})` : ''}: ${messageOf(e)}${hint}`,
  );
}
