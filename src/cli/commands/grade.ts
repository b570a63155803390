import { writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { UsageError } from '../../config/errors.js';
import { loadOnlineGraders } from '../../production/online/config.js';
import { compileOnlineGraders } from '../../production/online/grade.js';
import { onlineMarkdown } from '../../production/online/report.js';
import { gradeRecords } from '../../production/online/summarize.js';
import { loadProductionPolicy } from '../../production/policy.js';
import { readRecords } from '../../production/records-file.js';
import { terminalText } from '../../report/escape.js';
import { expandFlagGlobs } from '../../util/glob.js';
import type { CommandHandler } from '../types.js';

const HELP = `Usage: evalgate grade --records GLOB [--records GLOB]... [--out FILE] [--json]
                     [--report FILE] [--config FILE]

Runs the online graders of evalgate.yml's 'production.online' list (judge-free suite
graders: canary, pii, json-schema, is-json, regex, contains*, refusal, tool-boundaries,
latency, tokens, cost) on production records, and reports each one's pass rate with its
95 % interval. A grader reads only what the 'production:' policy keeps: one that needs
the output text when the policy does not retain it is reported "not measurable", never
as passing.

  --records GLOB     records files (JSONL, or JSONL gzip for .gz), repeatable
  --out FILE         write the records again with their derived 'online' field (each
                     grader's verdict by name), for 'evalgate canary' and its
                     rollout.triggers.onlineGraders (.gz: gzip)
  --json             print the report JSON instead of the Markdown report
  --report FILE      also write the report JSON to FILE
  -c, --config FILE  project config with 'production:' (default: evalgate.yml)
      --all-errors   list every config error, not the first 25

Exit 0 when graded (whatever the pass rates), 2 on no policy, no online graders or bad input.
`;

/** The files a repeatable --records option names, each pattern matching at least one. */
export function recordFiles(cwd: string, patterns: readonly string[] | undefined, command: string): string[] {
  if (!patterns?.length)
    throw new UsageError(`${command} needs --records GLOB: the production records files`);
  return expandFlagGlobs(cwd, patterns);
}

export const gradeCommand: CommandHandler = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      records: { type: 'string', multiple: true },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      report: { type: 'string' },
      config: { type: 'string', short: 'c', default: 'evalgate.yml' },
      'all-errors': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const configPath = resolve(io.cwd, values.config);
  const policy = loadProductionPolicy(configPath);
  const graders = compileOnlineGraders(loadOnlineGraders(configPath), policy, {
    baseDir: dirname(configPath),
  });
  const files = recordFiles(io.cwd, values.records, 'grade');
  const records = readRecords(files).map((r) => ({ ...r, file: relative(io.cwd, r.file) || r.file }));
  const { report, graded } = gradeRecords(records, graders);
  if (values.out) {
    const out = resolve(io.cwd, values.out);
    const text = graded.map((r) => JSON.stringify(r)).join('\n') + (graded.length ? '\n' : '');
    writeFileSync(out, out.endsWith('.gz') ? gzipSync(text) : text);
  }
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (values.report) writeFileSync(resolve(io.cwd, values.report), json);
  io.stdout(values.json ? json : terminalText(onlineMarkdown(report), { maxLength: 200_000 }));
  return 0;
};
