import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../config/errors.js';
import { windowFiles } from '../../production/drift/check.js';
import { isParquet, isRemote, loadDuckDb } from '../../production/drift/duckdb.js';
import { convertToParquet } from '../../production/drift/parquet.js';
import { loadProductionPolicy } from '../../production/policy.js';
import { terminalText } from '../../report/escape.js';
import type { CommandHandler } from '../types.js';

const HELP = `Usage: evalgate convert --records GLOB --out FILE.parquet [--config FILE]

Writes production records (JSONL or .jsonl.gz) to one Parquet file, with DuckDB (the
optional dependency @duckdb/node-api: npm install @duckdb/node-api). Records are appended
as JSONL while a window is open; a closed window (an hour, a day) becomes one Parquet file,
which 'evalgate drift' reads like the JSONL (--current 'records/*.parquet'), locally or
from object storage. Every line is checked first (file:line:col): a production record,
and one the privacy policy would have written; nothing is written unless all are. An
existing --out is never overwritten.

  --records GLOB     the records to convert (local JSONL, .jsonl.gz), repeatable
  --out FILE         the Parquet file to write
  -c, --config FILE  project config holding the policy (default: evalgate.yml)

Exit 0 written, 2 no policy, no DuckDB, a bad line, or --out exists.
`;

export const convertCommand: CommandHandler = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      records: { type: 'string', multiple: true },
      out: { type: 'string' },
      config: { type: 'string', short: 'c', default: 'evalgate.yml' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  // The policy first: without one, nothing is read or written.
  const policy = loadProductionPolicy(resolve(io.cwd, values.config));
  if (!values.out) throw new UsageError('convert needs --out FILE.parquet');
  const files = windowFiles(io.cwd, '--records', values.records ?? []);
  const other = files.find((f) => isParquet(f) || isRemote(f));
  if (other) throw new UsageError(`convert reads local JSONL records, not ${other}`);
  const duckdb = await loadDuckDb([io.cwd]);
  if (!duckdb) throw new UsageError('convert writes Parquet with DuckDB: npm install @duckdb/node-api');
  const summary = await convertToParquet(duckdb, files, resolve(io.cwd, values.out), policy);
  io.stdout(
    `evalgate: ${summary.records} records from ${summary.files} file${summary.files === 1 ? '' : 's'} → ${terminalText(relative(io.cwd, summary.out))}\n`,
  );
  return 0;
};
