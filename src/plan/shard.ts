import { createHash } from 'node:crypto';
import { UsageError } from '../config/errors.js';
import type { LoadedSuite } from '../config/load.js';

/**
 * Splitting a run across the jobs of a GitHub Actions matrix (`--shard i/n`).
 *
 * Every shard computes the same split from the same inputs (the selected suites and cases),
 * with no coordination: the split is a pure function of the case set. It is balanced by
 * expected cost, not by count, since 20 cases sampled 5 times with long inputs cost more
 * than 20 one-shot short ones: each case weighs `repeat × (OVERHEAD + size of its inputs)`,
 * and cases are dealt heaviest first to the least-loaded shard (the LPT rule: the largest
 * shard is within 4/3 of the best possible split). Ties break on suite and case id, never on
 * the order files were read, so every machine deals the same hands.
 *
 * `key` names the whole split (every case and its shard), so `evalgate merge` can tell shards
 * of one run from shards of another: same config and commit but a different selection gives
 * a different key.
 */

export interface ShardSpec {
  /** 1-based, as `--shard 2/3` says it. */
  index: number;
  count: number;
}

export interface ShardInfo extends ShardSpec {
  /** Hash of the full assignment of cases to shards: equal on every shard of one run. */
  key: string;
  /** Cases in the whole run (all shards), so a merge can tell a shard is missing cases. */
  totalCases: number;
  /** Every suite of the whole run, in run order: the merged document keeps it. */
  suites: string[];
}

/** Stands for the prompt template, the instructions and the answer, which every call has. */
const OVERHEAD_CHARS = 500;

export function parseShard(text: string): ShardSpec {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1 && count <= 1000) || !(index >= 1 && index <= count)) {
    throw new UsageError(`--shard takes INDEX/COUNT with 1 ≤ INDEX ≤ COUNT ≤ 1000 (e.g. 2/4), got '${text}'`);
  }
  return { index, count };
}

/** A case's expected cost in arbitrary units: samples × (fixed part + its inputs' size). */
export function caseWeight(c: LoadedSuite['cases'][number]): number {
  let size = OVERHEAD_CHARS;
  try {
    size += JSON.stringify(c.vars ?? {}).length;
  } catch {
    // Vars that do not serialise (never from YAML or JSONL) weigh the overhead only.
  }
  return Math.max(1, c.repeat) * size;
}

/**
 * The suites narrowed to the cases of one shard (suites left with no case are dropped),
 * with the split's description for the Results document.
 */
export function shardSuites(
  suites: readonly LoadedSuite[],
  spec: ShardSpec,
): { suites: LoadedSuite[]; info: ShardInfo } {
  const all = suites.flatMap((s) => s.cases.map((c) => ({ suite: s.id, id: c.id, weight: caseWeight(c) })));
  all.sort((a, b) => b.weight - a.weight || compare(a.suite, b.suite) || compare(a.id, b.id));
  const load = new Array<number>(spec.count).fill(0);
  const shardOf = new Map<string, number>();
  const hash = createHash('sha256').update(`evalgate-shards:v1:${spec.count}\n`);
  for (const c of all) {
    let best = 0;
    for (let i = 1; i < spec.count; i++) if (load[i]! < load[best]!) best = i;
    load[best]! += c.weight;
    shardOf.set(key(c.suite, c.id), best + 1);
    hash.update(`${c.suite}\u0000${c.id}\u0000${c.weight}\u0000${best + 1}\n`);
  }
  const mine = suites.flatMap((s) => {
    const cases = s.cases.filter((c) => shardOf.get(key(s.id, c.id)) === spec.index);
    return cases.length ? [{ ...s, cases }] : [];
  });
  return {
    suites: mine,
    info: {
      ...spec,
      key: hash.digest('hex').slice(0, 32),
      totalCases: all.length,
      suites: suites.filter((s) => s.cases.length > 0).map((s) => s.id),
    },
  };
}

function key(suite: string, id: string): string {
  return `${suite}\u0000${id}`;
}

/** Code-unit order: the same on every machine and locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
