import { readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import picomatch from 'picomatch';
import type { ChangeSource, FileBlob } from '../changes/types.js';
import { expandGlob, isGlob } from '../util/glob.js';
import { gitBlobId, parseFile, type ParsedFile } from './normalize.js';

/**
 * The project's files at one revision, addressed by project-relative POSIX paths (relative to
 * the directory of evalgate.yml, as every path in the config is).
 */
export interface Snapshot {
  /** `base`, `head`, `working tree`: for messages. */
  readonly label: string;
  /** Paths matching a glob, or the path itself when it is a file. Sorted. */
  glob(pattern: string): string[];
  has(path: string): boolean;
  read(paths: readonly string[]): Promise<Map<string, FileBlob>>;
  /** Where the file is on disk, for errors an editor can open. */
  absolute(path: string): string;
  /** What messages' paths are relative to. */
  readonly displayRoot: string;
}

/** Config patterns are written `./prompts/*.md` as often as `prompts/*.md`. */
export function normalizePattern(pattern: string): string {
  return posix.normalize(pattern).replace(/^\.\//, '');
}

/**
 * A commit, through a ChangeSource. The tree listing is taken once; globs filter it, so a
 * plan costs one `ls-tree` per side however many patterns the config has.
 */
export class GitSnapshot implements Snapshot {
  readonly #byProjectPath = new Map<string, string>();
  readonly #sorted: string[];
  readonly #globs = new Map<string, string[]>();

  private constructor(
    readonly label: string,
    private readonly source: ChangeSource,
    private readonly sha: string,
    /** Project directory, repository-relative ('' at the top). */
    private readonly prefix: string,
    files: Map<string, string>,
  ) {
    for (const repoPath of files.keys()) this.#byProjectPath.set(toProjectPath(prefix, repoPath), repoPath);
    this.#sorted = [...this.#byProjectPath.keys()].sort();
  }

  static async open(label: string, source: ChangeSource, sha: string, prefix: string): Promise<GitSnapshot> {
    return new GitSnapshot(label, source, sha, prefix, await source.listFiles(sha));
  }

  get displayRoot(): string {
    return this.source.root;
  }

  glob(pattern: string): string[] {
    const normalized = normalizePattern(pattern);
    let found = this.#globs.get(normalized);
    if (!found) {
      if (!isGlob(normalized)) found = this.#byProjectPath.has(normalized) ? [normalized] : [];
      else {
        const match = picomatch(normalized, { dot: false });
        found = this.#sorted.filter((path) => match(path));
      }
      this.#globs.set(normalized, found);
    }
    return found;
  }

  has(path: string): boolean {
    return this.#byProjectPath.has(path);
  }

  async read(paths: readonly string[]): Promise<Map<string, FileBlob>> {
    const repoPaths = paths
      .map((p) => this.#byProjectPath.get(p))
      .filter((p): p is string => p !== undefined);
    const blobs = await this.source.readFiles(this.sha, repoPaths);
    const out = new Map<string, FileBlob>();
    for (const path of paths) {
      const blob = blobs.get(this.#byProjectPath.get(path) ?? '');
      if (blob) out.set(path, blob);
    }
    return out;
  }

  absolute(path: string): string {
    return join(this.source.root, this.#byProjectPath.get(path) ?? posix.join(this.prefix, path));
  }
}

export function toProjectPath(prefix: string, repoPath: string): string {
  if (!prefix) return repoPath;
  return repoPath.startsWith(`${prefix}/`)
    ? repoPath.slice(prefix.length + 1)
    : posix.relative(prefix, repoPath);
}

/** The files on disk under the project directory: what `evalgate run` is about to run. */
export class DiskSnapshot implements Snapshot {
  readonly label = 'working tree';

  constructor(private readonly rootDir: string) {}

  get displayRoot(): string {
    return this.rootDir;
  }

  glob(pattern: string): string[] {
    return expandGlob(this.rootDir, normalizePattern(pattern)).map((abs) =>
      relative(this.rootDir, abs).split(sep).join('/'),
    );
  }

  has(path: string): boolean {
    try {
      return statSync(this.absolute(path)).isFile();
    } catch {
      return false;
    }
  }

  async read(paths: readonly string[]): Promise<Map<string, FileBlob>> {
    const out = new Map<string, FileBlob>();
    for (const path of paths) {
      try {
        const data = readFileSync(this.absolute(path));
        out.set(path, { id: gitBlobId(data), data });
      } catch {
        // Missing or unreadable: left out, as a missing file is at a revision.
      }
    }
    return out;
  }

  absolute(path: string): string {
    return join(this.rootDir, path);
  }
}

/**
 * Parsed files by blob id and extension: a file unchanged between base and head is parsed
 * once, and a thousand copies of one partial once.
 */
export class ParseCache {
  readonly #parsed = new Map<string, ParsedFile>();
  readonly #memo = new Map<string, unknown>();

  /** `compute()` once per kind of reading and content; failures (throws) are not kept. */
  memo<T>(kind: string, blob: FileBlob, compute: () => T): T {
    const key = `${kind}\u0000${blob.id}`;
    if (this.#memo.has(key)) return this.#memo.get(key) as T;
    const value = compute();
    this.#memo.set(key, value);
    return value;
  }

  parse(path: string, blob: FileBlob): ParsedFile {
    const key = `${blob.id}\u0000${posix.extname(path).toLowerCase()}`;
    let parsed = this.#parsed.get(key);
    if (!parsed) {
      parsed = parseFile(path, blob.id, blob.data);
      this.#parsed.set(key, parsed);
    }
    return parsed;
  }
}
