import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseResultsDocument } from '../compare/input.js';
import { suiteMetricsOf, summaryOf } from './summary.js';
import type { CaseResult, ResultsDocument, SuiteResult } from './types.js';

/**
 * `evalgate merge`: the Results documents of a split run's shards (`--shard i/n`), combined
 * into the one document an unsplit run would have written, so compare, gate and report never
 * know the run was split.
 *
 * Refused, with every reason at once: a document that is not a shard; shards of different
 * runs (count, split key, config, commit, evalgate version, or a suite's content differing);
 * a shard given twice; a shard missing; a case in two shards. A shard that was interrupted
 * makes the merge partial (the gate then says error), as an interrupted run does.
 *
 * The metrics are recomputed from the cases. The accumulator's sums are exact and its lists
 * sorted, so a merged document's metrics equal the unsplit run's to the bit. Suites keep the
 * run's order (every shard records it); cases keep their suite file's order (inline cases,
 * then dataset lines).
 */

export class ShardMergeError extends Error {
  constructor(readonly problems: string[]) {
    super(`cannot merge these shards:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ShardMergeError';
  }
}

export interface ShardDocument {
  /** Where it was read from: named in errors. */
  file: string;
  doc: ResultsDocument;
}

export function mergeShards(shards: readonly ShardDocument[]): ResultsDocument {
  const problems: string[] = [];
  if (shards.length === 0) throw new ShardMergeError(['no Results documents given']);
  const notShards = shards.filter((s) => !s.doc.run.options.shard);
  for (const s of notShards)
    problems.push(`${s.file} is not a shard: it was not run with --shard INDEX/COUNT`);
  if (notShards.length) throw new ShardMergeError(problems);

  const first = shards[0]!;
  const info = first.doc.run.options.shard!;
  const same = (what: string, value: (d: ResultsDocument) => unknown) => {
    const want = JSON.stringify(value(first.doc) ?? null);
    for (const s of shards.slice(1)) {
      const got = JSON.stringify(value(s.doc) ?? null);
      if (got !== want) problems.push(`${s.file} has another ${what} than ${first.file}: ${got} vs ${want}`);
    }
  };
  same('shard count', (d) => d.run.options.shard!.count);
  same('split (the selected suites and cases differ)', (d) => d.run.options.shard!.key);
  same('config (configHash)', (d) => d.run.configHash);
  same('commit', (d) => d.run.gitSha);
  same('evalgate version', (d) => d.run.evalgateVersion);

  const byIndex = new Map<number, string[]>();
  for (const s of shards) {
    const i = s.doc.run.options.shard!.index;
    byIndex.set(i, [...(byIndex.get(i) ?? []), s.file]);
  }
  for (const [i, files] of [...byIndex].sort((a, b) => a[0] - b[0]))
    if (files.length > 1) problems.push(`shard ${i}/${info.count} is given twice: ${files.join(', ')}`);
  const missing: number[] = [];
  for (let i = 1; i <= info.count; i++) if (!byIndex.has(i)) missing.push(i);
  if (missing.length)
    problems.push(
      `missing shard${missing.length === 1 ? '' : 's'} ${missing.join(', ')} of ${info.count}: every matrix job's Results are needed`,
    );

  // Suites: the same content on every shard; cases: each in exactly one shard.
  const suites = new Map<string, { head: SuiteResult; file: string; cases: CaseResult[] }>();
  const caseAt = new Map<string, string>();
  for (const s of shards) {
    for (const suite of s.doc.suites) {
      const entry = suites.get(suite.id);
      if (!entry) suites.set(suite.id, { head: suite, file: s.file, cases: [...suite.cases] });
      else {
        if (entry.head.contentHash !== suite.contentHash)
          problems.push(`suite '${suite.id}' differs between ${entry.file} and ${s.file} (contentHash)`);
        entry.cases.push(...suite.cases);
      }
      for (const c of suite.cases) {
        const key = `${suite.id}\u0000${c.id}`;
        const other = caseAt.get(key);
        if (other) problems.push(`case '${suite.id} / ${c.id}' is in two shards: ${other} and ${s.file}`);
        else caseAt.set(key, s.file);
      }
    }
  }
  const partial = shards.some((s) => s.doc.summary.partial);
  if (!partial && problems.length === 0 && caseAt.size !== info.totalCases)
    problems.push(`the shards hold ${caseAt.size} cases; the split run has ${info.totalCases}`);
  if (problems.length) throw new ShardMergeError(problems);

  const order = new Map(info.suites.map((id, i) => [id, i]));
  const merged: SuiteResult[] = [...suites.values()]
    .sort((a, b) => (order.get(a.head.id) ?? Infinity) - (order.get(b.head.id) ?? Infinity))
    .map(({ head, cases }) => {
      const sorted = cases.sort((a, b) => caseOrder(head, a, b));
      return { ...head, cases: sorted, metrics: suiteMetricsOf(sorted) };
    });

  const starts = shards.map((s) => s.doc.run.startedAt).sort();
  const ends = shards.map((s) => s.doc.run.finishedAt).sort();
  const { shard: _shard, ...options } = first.doc.run.options;
  return {
    ...first.doc,
    run: {
      ...first.doc.run,
      id: randomUUID(),
      startedAt: starts[0]!,
      finishedAt: ends.at(-1)!,
      targets: Object.assign({}, ...shards.map((s) => s.doc.run.targets)),
      options: { ...options, shards: info.count },
    },
    summary: summaryOf(merged, partial),
    suites: merged,
  };
}

/** Inline cases (in the suite file) first, then dataset cases; each by file and line. */
function caseOrder(suite: SuiteResult, a: CaseResult, b: CaseResult): number {
  const rank = (c: CaseResult) => (!c.location || c.location.file === suite.file ? 0 : 1);
  const fa = a.location?.file ?? '';
  const fb = b.location?.file ?? '';
  return (
    rank(a) - rank(b) ||
    (fa < fb ? -1 : fa > fb ? 1 : 0) ||
    (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * The shards' Results from files and folders (a folder is searched recursively, as
 * actions/download-artifact lays artifacts out: one folder per artifact). In folders, JSON
 * that is not a shard's Results (a plan, a comparison) is left out and listed in `skipped`;
 * a file named directly must be a Results document. `exclude`: the merged output's own path.
 */
export function collectShards(
  paths: readonly string[],
  cwd: string,
  exclude?: string,
): { shards: ShardDocument[]; skipped: string[] } {
  const shards: ShardDocument[] = [];
  const skipped: string[] = [];
  const name = (file: string) => relative(cwd, file) || file;
  for (const path of paths) {
    if (!existsSync(path)) throw new ShardMergeError([`${name(path)}: no such file or folder`]);
    if (!statSync(path).isDirectory()) {
      shards.push({ file: name(path), doc: parseResultsDocument(readFileSync(path, 'utf8'), path) });
      continue;
    }
    for (const file of jsonFilesUnder(path)) {
      if (file === exclude) continue;
      let doc: ResultsDocument;
      try {
        doc = parseResultsDocument(readFileSync(file, 'utf8'), file);
      } catch (e) {
        skipped.push(`${name(file)}: ${(e as Error).message}`);
        continue;
      }
      if (doc.run.options.shard) shards.push({ file: name(file), doc });
      else skipped.push(`${name(file)}: a Results document, but not a shard's`);
    }
  }
  return { shards, skipped };
}

function jsonFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...jsonFilesUnder(path));
    else if (entry.isFile() && entry.name.endsWith('.json')) found.push(path);
  }
  return found;
}

/**
 * A re-run of failed matrix jobs uploads its shard again under the next attempt's artifact
 * name, beside the failed attempt's: of the copies of one shard, the highest attempt is the
 * one to merge (`…-attempt-N` in its folder name, as action.yml names the artifacts). Copies
 * without an attempt number are all kept, so `mergeShards` refuses them as duplicates.
 */
export function latestAttempts(shards: readonly ShardDocument[]): {
  kept: ShardDocument[];
  dropped: string[];
} {
  const attemptOf = (s: ShardDocument) => {
    const m = /(?:^|[\\/])evalgate-shard-\d+-of-\d+-attempt-(\d+)[\\/]/.exec(s.file);
    return m ? Number(m[1]) : undefined;
  };
  const best = new Map<number, number>();
  for (const s of shards) {
    const a = attemptOf(s);
    const i = s.doc.run.options.shard?.index;
    if (a !== undefined && i !== undefined) best.set(i, Math.max(best.get(i) ?? 0, a));
  }
  const kept: ShardDocument[] = [];
  const dropped: string[] = [];
  for (const s of shards) {
    const a = attemptOf(s);
    const i = s.doc.run.options.shard?.index;
    if (a !== undefined && i !== undefined && a < best.get(i)!) dropped.push(s.file);
    else kept.push(s);
  }
  return { kept, dropped };
}

/** collectShards + mergeShards, with what was left out of the folders added to a refusal. */
export function mergeShardPaths(
  paths: readonly string[],
  cwd: string,
  exclude?: string,
  pick: (shards: ShardDocument[]) => ShardDocument[] = (x) => x,
): {
  merged: ResultsDocument;
  shards: number;
} {
  const collected = collectShards(paths, cwd, exclude);
  const { skipped } = collected;
  const shards = pick(collected.shards);
  try {
    return { merged: mergeShards(shards), shards: shards.length };
  } catch (e) {
    if (e instanceof ShardMergeError && skipped.length)
      throw new ShardMergeError([...e.problems, ...skipped.map((x) => `left out of the folders: ${x}`)]);
    throw e;
  }
}
