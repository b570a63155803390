import { ConfigError } from '../config/errors.js';

export type FileStatus = 'added' | 'modified' | 'deleted' | 'renamed';

/** One file of a diff, with repository-relative POSIX paths. */
export interface ChangedFile {
  path: string;
  status: FileStatus;
  /** The path at base, for renames. */
  previousPath?: string;
  /** Git (or the API) saw binary content: never parsed, versioned by its blob id. */
  binary: boolean;
}

/** A revision resolved to a commit. */
export interface Revision {
  /** As the user gave it: `main`, `origin/main`, a SHA. */
  ref: string;
  sha: string;
}

export interface Revisions {
  base: Revision;
  head: Revision;
  /** The commit the diff is taken from, as a pull request's diff is: `base...head`. */
  mergeBase: string;
}

/** A file's content at a revision. */
export interface FileBlob {
  /** Git blob id (or, for a submodule, the commit it points at): equal ids, equal content. */
  id: string;
  /** Absent for a submodule: there is nothing to read, only the commit. */
  data?: Buffer;
}

/**
 * Where a plan learns what changed and reads files. Local git and the GitHub pull-request
 * API implement it; the planner needs nothing else from the outside world.
 */
export interface ChangeSource {
  /** Resolves base, head and their merge base, fetching history a shallow clone lacks. */
  revisions(): Promise<Revisions>;
  /** Files that differ between the merge base and head. */
  changedFiles(): Promise<ChangedFile[]>;
  /** Every file at a commit, repository-relative, with its blob id. */
  listFiles(sha: string): Promise<Map<string, string>>;
  /** Contents at a commit, batched: plans read thousands of files. Missing paths are left out. */
  readFiles(sha: string, paths: readonly string[]): Promise<Map<string, FileBlob>>;
  /** The repository's top-level directory, so errors can point at files on disk. */
  readonly root: string;
  /** What the user should know about how the changes were found (history fetched, API fallback). */
  readonly notes?: readonly string[];
}

/**
 * A revision, merge base or file history the clone cannot provide. The user fixes it (fetch
 * more history, name a ref that exists), so the CLI prints it like a config error, exit 2.
 */
export class ChangeSourceError extends ConfigError {}
