import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseResultsDocument } from '../../compare/input.js';
import { UsageError } from '../../config/errors.js';
import { terminalText } from '../../report/escape.js';
import { mergeShards, ShardMergeError, type ShardDocument } from '../../results/shards.js';
import type { CommandHandler } from '../types.js';

const HELP = `Usage: evalgate merge [--out FILE] PATH...

Combines the Results documents of a split run's shards ('evalgate run --shard I/N') into the
one document an unsplit run would have written. PATH is a Results file, or a folder searched
for them (as actions/download-artifact lays artifacts out: one folder per artifact).

  -o, --out FILE   where the merged document goes (default: evalgate-results.json), relative
                   to the working directory

Refuses, naming every problem: a file that is not a shard, shards of different runs (count,
selection, config, commit, evalgate version), a shard given twice, a missing shard, a case in
two shards. A shard that was interrupted makes the merged document partial.

Exit codes: 0 merged; 2 usage error, or shards that cannot be merged.
`;

export const mergeCommand: CommandHandler = async (argv, io) => {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string', short: 'o', default: 'evalgate-results.json' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length === 0)
    throw new UsageError('merge needs the shards: PATH... (Results files or folders)');
  const out = resolve(io.cwd, values.out);
  const shards: ShardDocument[] = [];
  /** JSON in the folders that is not a shard's Results: named if the merge then fails. */
  const skipped: string[] = [];
  for (const p of positionals) {
    const path = resolve(io.cwd, p);
    if (!existsSync(path)) throw new UsageError(`${p}: no such file or folder`);
    if (statSync(path).isDirectory()) {
      for (const file of jsonFilesUnder(path)) {
        if (file === out) continue;
        const read = tryResults(file);
        if (typeof read === 'string') skipped.push(`${relative(io.cwd, file)}: ${read}`);
        else if (read.run.options.shard) shards.push({ file: relative(io.cwd, file), doc: read });
        else skipped.push(`${relative(io.cwd, file)}: a Results document, but not a shard's`);
      }
    } else {
      shards.push({
        file: relative(io.cwd, path) || path,
        doc: parseResultsDocument(readFileSync(path, 'utf8'), path),
      });
    }
  }
  let merged;
  try {
    merged = mergeShards(shards);
  } catch (e) {
    if (!(e instanceof ShardMergeError)) throw e;
    io.stderr(`evalgate: ${terminalText(e.message, { maxLength: 20_000 })}\n`);
    if (skipped.length)
      io.stderr(
        terminalText(`Left out of the folders:\n${skipped.map((x) => `  - ${x}`).join('\n')}\n`, {
          maxLength: 20_000,
        }),
      );
    return 2;
  }
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(merged, null, 2)}\n`);
  renameSync(tmp, out);
  const s = merged.summary;
  io.stderr(
    terminalText(
      `Merged ${shards.length} shards: ${s.suites} suites, ${s.cases} cases, ${s.samples} samples (${s.passed} passed, ${s.failed} failed, ${s.errors} errors)${s.partial ? ', partial: a shard was interrupted' : ''}\n`,
    ),
  );
  io.stdout(`Results: ${relative(io.cwd, out) || out}\n`);
  return 0;
};

function jsonFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...jsonFilesUnder(path));
    else if (entry.isFile() && entry.name.endsWith('.json')) found.push(path);
  }
  return found;
}

/** A Results document, or why not (any other JSON in an artifact folder: a plan, a comparison). */
function tryResults(file: string): ReturnType<typeof parseResultsDocument> | string {
  try {
    return parseResultsDocument(readFileSync(file, 'utf8'), file);
  } catch (e) {
    return (e as Error).message;
  }
}
