import type { PullRequestFile } from '../github/api.js';
import type { ChangedFile, ChangeSource, FileBlob, FileStatus, Revisions } from './types.js';

/** The pull-request files API returns at most this many files; beyond it, git must list them. */
export const PULL_FILES_LIMIT = 3000;

/** One entry of `GET /repos/{owner}/{repo}/pulls/{pull_number}/files`: the GitHub port's type. */
export type PullFile = PullRequestFile;

export interface PullRef {
  owner: string;
  repo: string;
  pull_number: number;
}

/** The GitHub calls the plan makes, and nothing more: easy to fake, easy to audit. */
export interface PullRequestFilesApi {
  /** `changed_files` of the pull request. */
  changedFileCount(pull: PullRef): Promise<number>;
  /** Every page of the pull request's files. */
  listFiles(pull: PullRef): Promise<PullFile[]>;
}

/** The slice of an Octokit (core + paginate-rest) that `octokitPullRequests` uses. */
export interface OctokitLike {
  request(route: string, parameters?: Record<string, unknown>): Promise<{ data: unknown }>;
  paginate(route: string, parameters?: Record<string, unknown>): Promise<unknown[]>;
}

/** Narrows an Octokit (already authenticated, throttled and retrying) to the calls above. */
export function octokitPullRequests(octokit: OctokitLike): PullRequestFilesApi {
  return {
    async changedFileCount(pull) {
      const { data } = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { ...pull });
      return (data as { changed_files: number }).changed_files;
    },
    async listFiles(pull) {
      return (await octokit.paginate('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
        ...pull,
        per_page: 100,
      })) as PullFile[];
    },
  };
}

export interface GitHubChangeSourceOptions {
  api: PullRequestFilesApi;
  pull: PullRef;
  /**
   * Reads trees and contents, and lists the changes when the pull request is too large for
   * the API: the local checkout, as a GitChangeSource.
   */
  git: ChangeSource;
}

/**
 * Changes as GitHub shows them on the pull request: the files API, paginated, so the list
 * matches the PR's "Files changed" tab. Contents still come from git.
 */
export class GitHubChangeSource implements ChangeSource {
  readonly #options: GitHubChangeSourceOptions;
  readonly #notes: string[] = [];

  constructor(options: GitHubChangeSourceOptions) {
    this.#options = options;
  }

  get root(): string {
    return this.#options.git.root;
  }

  /** Why the source fell back to git, when it did, and what git had to fetch. */
  get notes(): readonly string[] {
    return [...this.#notes, ...(this.#options.git.notes ?? [])];
  }

  revisions(): Promise<Revisions> {
    return this.#options.git.revisions();
  }

  async changedFiles(): Promise<ChangedFile[]> {
    const { api, pull, git } = this.#options;
    const count = await api.changedFileCount(pull);
    if (count > PULL_FILES_LIMIT) {
      this.#notes.push(
        `pull request #${pull.pull_number} changes ${count} files, more than the ${PULL_FILES_LIMIT} the GitHub API lists; listed them with git`,
      );
      return git.changedFiles();
    }
    return (await api.listFiles(pull)).flatMap(fromPullFile);
  }

  listFiles(sha: string): Promise<Map<string, string>> {
    return this.#options.git.listFiles(sha);
  }

  readFiles(sha: string, paths: readonly string[]): Promise<Map<string, FileBlob>> {
    return this.#options.git.readFiles(sha, paths);
  }
}

const STATUS: Record<PullFile['status'], FileStatus | undefined> = {
  added: 'added',
  copied: 'added',
  removed: 'deleted',
  modified: 'modified',
  changed: 'modified',
  renamed: 'renamed',
  unchanged: undefined,
};

export function fromPullFile(file: PullFile): ChangedFile[] {
  const status = STATUS[file.status];
  if (!status) return [];
  // The API has no binary flag; it leaves `patch` out of binary files, which also have no
  // line counts. A large text diff also loses its patch but keeps its counts.
  const binary =
    file.patch === undefined && file.additions === 0 && file.deletions === 0 && status !== 'renamed';
  return [
    {
      path: file.filename,
      status,
      ...(status === 'renamed' &&
        file.previous_filename !== undefined && { previousPath: file.previous_filename }),
      binary,
    },
  ];
}
