import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { versionsForWorkingTree } from '../../plan/versions.js';
import { versionsDocument } from '../../production/versions.js';
import { terminalText } from '../../report/escape.js';
import type { CommandHandler } from '../types.js';

const HELP = `Usage: evalgate versions [--config FILE] [--json]

Prints the version ids change detection computes for the files on disk: each component's
(prompt, model, retrieval, ...) and each target's system version id. Run it at build or
deploy time and give the application its target's entry: it stamps them on every
production record (the \`versions\` argument of toRecord / createRecorder).

  -c, --config FILE  project config (default: evalgate.yml)
      --json         print the JSON document (targets.<name> is what a record is stamped with)

Reads no production data, so it needs no production policy. Exit 0, or 2 on a config error.
`;

export const versionsCommand: CommandHandler = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c', default: 'evalgate.yml' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const found = await versionsForWorkingTree({ configPath: resolve(io.cwd, values.config) });
  for (const w of found.warnings) io.stderr(`warning: ${terminalText(w)}\n`);
  const doc = versionsDocument(found);
  if (values.json) {
    io.stdout(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  }
  const lines: string[] = [];
  for (const [name, t] of Object.entries(doc.targets)) {
    lines.push(`target ${name}  system ${t.system}`);
    for (const [c, v] of Object.entries(t.components))
      lines.push(`  ${c.padEnd(24)} ${(doc.components[c]?.kind ?? '').padEnd(10)} ${v}`);
  }
  io.stdout(terminalText(`${lines.join('\n')}\n`, { maxLength: 200_000 }));
  return 0;
};
