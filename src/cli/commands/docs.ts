import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../config/errors.js';
import { DEFAULT_DOCS_DIR, documentStates, generateDocs, writeDocument } from '../../docs/index.js';
import { terminalText } from '../../report/escape.js';
import type { CommandHandler } from '../types.js';

const HELP = `Usage: evalgate docs [--config FILE] [--out DIR] [--check] [--force]

Writes the four documents the project promises, generated from evalgate.yml and its suites
so they stay true:

  eval-policy.md                  sampling, privacy, retention, tiers, gates
  regression-suite-manifest.md    every suite: owner, tier, kind, case counts by tag,
                                  what it depends on, last baseline
  rollout-checklist.md            the canary, its rollback triggers, the rollback steps
  incident-log-template.md        the model-quality incident log

Each starts with a marker naming the command that regenerates it and a hash of its inputs.
A file of the same name without that marker is someone's own: it is never overwritten
unless --force.

  -c, --config FILE  project config (default: evalgate.yml)
  -o, --out DIR      where to write them (default: ${DEFAULT_DOCS_DIR} in the config's folder)
      --check        write nothing; exit 1 if any document is missing or stale
  -f, --force        overwrite files of the same name that evalgate did not generate
      --all-errors   list every config error, not the first 25

Exit 0 written (or current, with --check); 1 stale or missing (--check); 2 config or usage error.
`;

export const docsCommand: CommandHandler = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c', default: 'evalgate.yml' },
      out: { type: 'string', short: 'o' },
      check: { type: 'boolean', default: false },
      force: { type: 'boolean', short: 'f', default: false },
      'all-errors': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (values.check && values.force)
    throw new UsageError('--check writes nothing: it cannot be combined with --force');
  const config = resolve(io.cwd, values.config);
  const docs = await generateDocs(config, values.out === undefined ? undefined : resolve(io.cwd, values.out));
  const states = documentStates(docs);
  const shown = (path: string) => terminalText(relative(io.cwd, path) || path, { oneLine: true });

  if (values.check) {
    const bad = states.filter((s) => s.state !== 'current');
    if (bad.length === 0) {
      io.stdout(`ok: ${docs.length} documents current in ${shown(resolve(docs[0]!.path, '..'))}\n`);
      return 0;
    }
    for (const { doc, state } of bad)
      io.stdout(
        `${state === 'foreign' ? 'not generated' : state}: ${shown(doc.path)}${
          state === 'foreign' ? ' (a file evalgate did not write is in the way)' : ''
        }\n`,
      );
    const fix = ['npx evalgate docs'];
    if (values.config !== 'evalgate.yml') fix.push('--config', values.config);
    if (values.out !== undefined) fix.push('--out', values.out);
    io.stdout(
      `${bad.length} of ${docs.length} documents ${bad.length === 1 ? 'is' : 'are'} out of date with the config. Regenerate them: ${terminalText(fix.join(' '), { oneLine: true })}${
        bad.some((s) => s.state === 'foreign') ? ' --force' : ''
      }\n`,
    );
    return 1;
  }

  const foreign = states.filter((s) => s.state === 'foreign');
  if (foreign.length && !values.force)
    throw new UsageError(
      `${foreign.map((s) => shown(s.doc.path)).join(', ')}: not written by evalgate docs (no generated-file marker); move ${
        foreign.length === 1 ? 'it' : 'them'
      } away, or pass --force to overwrite`,
    );
  for (const { doc, state } of states) {
    if (state !== 'current') writeDocument(doc);
    io.stdout(
      `${(state === 'current' ? 'current' : state === 'missing' ? 'wrote' : 'updated').padEnd(8)} ${shown(doc.path)}  — ${doc.title}\n`,
    );
  }
  return 0;
};
