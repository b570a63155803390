import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  rename,
  rm,
  writeFile,
} from 'node:fs';
import { resolve, sep } from 'node:path';
import type { TargetOutput } from '../results/types.js';

/** A successful response as it was first received. Errors are never stored. */
export interface CachedResponse {
  output: TargetOutput;
  /** The latency of the original call, reported again on every hit. */
  latencyMs: number;
}

/**
 * The response cache port. Keys are SHA-256 hex of the target name, the full prepared
 * request and the sample index, so anything that can change the answer changes the key.
 */
export interface ResponseCache {
  get(key: string): CachedResponse | undefined | Promise<CachedResponse | undefined>;
  set(key: string, value: CachedResponse): void | Promise<void>;
  /**
   * Whether `get(key)` would answer, told without reading the whole entry (the pre-flight
   * cost estimate asks it of every sample). False whenever unsure: a wrong true would price
   * a paid call at nothing.
   */
  has?(key: string): boolean | Promise<boolean>;
}

/**
 * Whether `cache` answers `key`: its `has` when it has one (no whole read), else a `get`.
 * An error is a miss, as the runner treats an unreadable entry.
 */
export async function cacheAnswers(cache: ResponseCache, key: string): Promise<boolean> {
  try {
    return cache.has ? await cache.has(key) : (await cache.get(key)) !== undefined;
  } catch {
    return false;
  }
}

export function createMemoryCache(): ResponseCache & { readonly size: number } {
  const entries = new Map<string, string>();
  return {
    get size() {
      return entries.size;
    },
    // Stored as JSON so a hit can never alias an object a grader or the writer might hold.
    has: (key) => entries.has(key),
    get: (key) => {
      const text = entries.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as CachedResponse);
    },
    set: (key, value) => {
      entries.set(key, JSON.stringify(value));
    },
  };
}

const ENTRY_VERSION = 1;

/**
 * Content-addressed response cache on disk: `<dir>/<first 2 hex of key>/<key>.json`.
 *
 * Each entry is written to a unique temp file and renamed into place; rename is atomic on
 * POSIX and on NTFS, so a reader (another run sharing the directory, or this one after a
 * crash) sees the whole entry or none. An entry that does not parse, or names another key,
 * is a miss and is overwritten by the next success.
 *
 * Reads are synchronous: an entry is a few KB in the page cache, and a blocking read beats
 * four thread-pool round trips of fs.promises.readFile (open, stat, read, close) when
 * 100,000 cached cases replay. A miss is an existsSync (no exception built, unlike a failed
 * read). Writes go to the thread pool: creating and renaming a file costs far more than
 * reading one, and the run should not stand still for it.
 */
export function createDiskCache(dir: string): ResponseCache {
  const root = resolve(dir) + sep;
  const made = new Set<string>();
  let seq = 0;
  let buffer = Buffer.allocUnsafe(64 * 1024);
  // readFileSync spends more time parsing its options and stat-ing than reading a small file.
  const read = (file: string): string => {
    const fd = openSync(file, 'r');
    try {
      let used = 0;
      for (;;) {
        if (used === buffer.length) {
          const bigger = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(bigger, 0, 0, used);
          buffer = bigger;
        }
        const n = readSync(fd, buffer, used, buffer.length - used, null);
        if (n === 0) return buffer.toString('utf8', 0, used);
        used += n;
      }
    } finally {
      closeSync(fd);
    }
  };
  return {
    get(key) {
      const file = `${root}${key.slice(0, 2)}${sep}${key}.json`;
      if (!existsSync(file)) return undefined;
      try {
        const entry = JSON.parse(read(file)) as {
          v?: unknown;
          key?: unknown;
          latencyMs?: unknown;
          output?: unknown;
        };
        const output = entry.output as TargetOutput | undefined;
        if (
          entry.v !== ENTRY_VERSION ||
          entry.key !== key ||
          typeof entry.latencyMs !== 'number' ||
          !output ||
          typeof output !== 'object' ||
          typeof output.output !== 'string'
        ) {
          return undefined;
        }
        return { output, latencyMs: entry.latencyMs };
      } catch {
        return undefined;
      }
    },
    // The entry's head names its version and key, and a whole entry ends with the closing
    // braces of its output and of itself: two small reads. Entries are renamed into place
    // whole, so what `get` would reject and this lets pass is a hand-edited file.
    has(key) {
      const file = `${root}${key.slice(0, 2)}${sep}${key}.json`;
      const head = Buffer.from(`{"v":${ENTRY_VERSION},"key":${JSON.stringify(key)},"latencyMs":`);
      // As in `get`: a miss is an existsSync, with no exception built.
      if (!existsSync(file)) return false;
      let fd: number;
      try {
        fd = openSync(file, 'r');
      } catch {
        return false;
      }
      try {
        const { size } = fstatSync(fd);
        if (size <= head.length + 2) return false;
        const start = Buffer.allocUnsafe(head.length);
        const end = Buffer.allocUnsafe(2);
        return (
          readSync(fd, start, 0, head.length, 0) === head.length &&
          start.equals(head) &&
          readSync(fd, end, 0, 2, size - 2) === 2 &&
          end.toString('latin1') === '}}'
        );
      } catch {
        return false;
      } finally {
        closeSync(fd);
      }
    },
    set(key, value) {
      const sub = `${root}${key.slice(0, 2)}`;
      if (!made.has(sub)) {
        mkdirSync(sub, { recursive: true });
        made.add(sub);
      }
      const file = `${sub}${sep}${key}.json`;
      const tmp = `${sub}${sep}.${key}.${process.pid}.${++seq}.tmp`;
      const text = JSON.stringify({
        v: ENTRY_VERSION,
        key,
        latencyMs: value.latencyMs,
        output: value.output,
      });
      return new Promise<void>((done, fail) => {
        writeFile(tmp, text, (writeError) => {
          if (writeError) return rm(tmp, { force: true }, () => fail(writeError));
          rename(tmp, file, (renameError) => {
            if (renameError) return rm(tmp, { force: true }, () => fail(renameError));
            done();
          });
        });
      });
    },
  };
}

/**
 * The project's response cache as its config describes it (`cache.enabled`, `cache.dir`
 * relative to the project root), or undefined when off or `disabled` (`--no-cache`).
 */
export function projectCache(
  config: { cache: { enabled: boolean; dir: string } },
  rootDir: string,
  disabled = false,
): ResponseCache | undefined {
  return !disabled && config.cache.enabled ? createDiskCache(resolve(rootDir, config.cache.dir)) : undefined;
}
