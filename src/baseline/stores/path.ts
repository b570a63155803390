import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { baselineFileName, parseBaseline, serializeBaseline, suiteIdFromFileName } from '../document.js';
import type { Baseline, BaselineListing, BaselineStore, SaveResult } from '../types.js';
import { listingOf } from './listing.js';

export interface PathStoreOptions {
  /** The folder, absolute or relative to `rootDir`. */
  dir: string;
  rootDir: string;
}

/**
 * Baselines as files in a folder of the repository, committed like any other file. Writes
 * go to a temporary file renamed into place, so a reader never sees half a baseline; there
 * is no concurrency control beyond that — the pull request that changes them is the review.
 */
export class PathStore implements BaselineStore {
  readonly kind = 'path';
  readonly dir: string;
  readonly #rootDir: string;

  constructor(options: PathStoreOptions) {
    this.dir = resolve(options.rootDir, options.dir);
    this.#rootDir = options.rootDir;
  }

  #where(name: string): string {
    return relative(this.#rootDir, join(this.dir, name)) || join(this.dir, name);
  }

  async load(suiteIds: readonly string[]): Promise<Map<string, Baseline>> {
    const out = new Map<string, Baseline>();
    for (const id of suiteIds) {
      const file = join(this.dir, baselineFileName(id));
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw e;
      }
      out.set(id, parseBaseline(text, file, id));
    }
    return out;
  }

  async save(baselines: readonly Baseline[]): Promise<SaveResult> {
    await mkdir(this.dir, { recursive: true });
    const locations: Record<string, string> = {};
    for (const b of baselines) {
      const file = join(this.dir, baselineFileName(b.suite));
      const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(temp, serializeBaseline(b));
      await rename(temp, file);
      locations[b.suite] = this.#where(baselineFileName(b.suite));
    }
    return { locations, attempts: 1 };
  }

  async list(): Promise<BaselineListing[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: BaselineListing[] = [];
    for (const name of names.sort()) {
      if (!suiteIdFromFileName(name)) continue;
      const file = join(this.dir, name);
      out.push(listingOf(parseBaseline(await readFile(file, 'utf8'), file), this.#where(name)));
    }
    return out;
  }
}
