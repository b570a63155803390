import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../config/errors.js';
import { loadProductionPolicy } from '../../production/policy.js';
import { applyPrune, planPrune, retentionCutoff } from '../../production/prune.js';
import { terminalText } from '../../report/escape.js';
import { expandFlagGlobs } from '../../util/glob.js';
import type { CommandHandler } from '../types.js';

const HELP = `Usage: evalgate prune --records GLOB [--records GLOB]... [--config FILE] [--dry-run] [--json]

Enforces the production policy's retention: deletes every record whose \`at\` is more than
production.retentionDays days old from the records files (JSONL, or JSONL gzip for
names ending in .gz). A file left empty is deleted; the others are rewritten atomically.

  --records GLOB     records files, relative to the working directory (repeatable)
  -c, --config FILE  project config holding the policy (default: evalgate.yml)
      --dry-run      say what would be deleted, change nothing
      --json         print the summary as JSON

Every line is read before anything changes: a line that is not a record is an error
(file:line:col) and no file is touched. Exit 0, or 2 on no policy, a bad line or a glob
that matches no file.
`;

export const pruneCommand: CommandHandler = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      records: { type: 'string', multiple: true },
      config: { type: 'string', short: 'c', default: 'evalgate.yml' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  // The policy first: without one, nothing is read.
  const policy = loadProductionPolicy(resolve(io.cwd, values.config));
  if (!values.records?.length) throw new UsageError('prune needs --records GLOB: the records files to prune');
  const files = expandFlagGlobs(io.cwd, values.records);
  const parquet = files.filter((f) => /\.parquet$/i.test(f));
  if (parquet.length)
    throw new UsageError(
      `prune reads JSONL records only, and ${parquet.length === 1 ? 'this is' : 'these are'} Parquet: ${parquet
        .slice(0, 3)
        .map((f) => relative(io.cwd, f) || f)
        .join(
          ', ',
        )}${parquet.length > 3 ? `, and ${parquet.length - 3} more` : ''}. Nothing was pruned: retain a Parquet window by deleting its file once its newest record is older than production.retentionDays`,
    );
  const cutoff = retentionCutoff(new Date(), policy.retentionDays);
  const plans = planPrune(files, cutoff);
  const summary = values['dry-run']
    ? {
        cutoff: cutoff.toISOString(),
        files: plans.length,
        records: plans.reduce((n, p) => n + p.total, 0),
        pruned: plans.reduce((n, p) => n + p.total - p.kept.length, 0),
        deleted: plans.filter((p) => p.kept.length === 0 && p.total > 0).map((p) => p.file),
      }
    : applyPrune(plans, cutoff);
  const shown = {
    ...summary,
    deleted: summary.deleted.map((f) => relative(io.cwd, f)),
    dryRun: values['dry-run'],
  };
  if (values.json) {
    io.stdout(`${JSON.stringify(shown, null, 2)}\n`);
    return 0;
  }
  const verb = values['dry-run'] ? 'would delete' : 'deleted';
  let text = `${verb} ${summary.pruned} of ${summary.records} records older than ${policy.retentionDays} days (before ${summary.cutoff}) in ${summary.files} file${summary.files === 1 ? '' : 's'}\n`;
  for (const f of shown.deleted)
    text += `  ${values['dry-run'] ? 'would remove' : 'removed'} ${f} (nothing left in it)\n`;
  io.stdout(terminalText(text, { maxLength: 200_000 }));
  return 0;
};
