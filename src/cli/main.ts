import { terminalText } from '../report/escape.js';
import { EVALGATE_VERSION } from '../version.js';
import { reportError } from './report-error.js';
import type { CliIO, CommandHandler } from './types.js';

interface Command {
  summary: string;
  load: () => Promise<CommandHandler>;
}

const COMMANDS: Record<string, Command> = {
  init: {
    summary: 'set evalgate up in this repository: config, a starter suite, the workflows',
    load: async () => (await import('./commands/init.js')).initCommand,
  },
  run: {
    summary: 'run suites against their targets and write evalgate-results.json',
    load: async () => (await import('./commands/run.js')).runCommand,
  },
  validate: {
    summary: 'check the config and every suite without calling any model',
    load: async () => (await import('./commands/validate.js')).validateCommand,
  },
  plan: {
    summary: 'show which components a change touched and which suites it affects',
    load: async () => (await import('./commands/plan.js')).planCommand,
  },
  compare: {
    summary: 'compare two Results documents and gate on the difference',
    load: async () => (await import('./commands/compare.js')).compareCommand,
  },
  merge: {
    summary: "combine the Results of a split run's shards (run --shard I/N) into one",
    load: async () => (await import('./commands/merge.js')).mergeCommand,
  },
  export: {
    summary: 'write a Results document as JUnit XML (test reports) or SARIF (safety findings)',
    load: async () => (await import('./commands/export.js')).exportCommand,
  },
  baseline: {
    summary: 'save, show and list the stored baselines',
    load: async () => (await import('./commands/baseline.js')).baselineCommand,
  },
  calibrate: {
    summary: "measure a judge grader's agreement with human labels (accuracy, Cohen's kappa)",
    load: async () => (await import('./commands/calibrate.js')).calibrateCommand,
  },
  review: {
    summary: 'export cases for human review, import the labels, promote reviewed cases',
    load: async () => (await import('./commands/review.js')).reviewCommand,
  },
  policy: {
    summary: "print the effective production privacy policy (evalgate.yml 'production:')",
    load: async () => (await import('./commands/policy.js')).policyCommand,
  },
  versions: {
    summary: 'print the prompt, model, retrieval and system version ids to stamp on production records',
    load: async () => (await import('./commands/versions.js')).versionsCommand,
  },
  prune: {
    summary: "delete production records older than the policy's retention",
    load: async () => (await import('./commands/prune.js')).pruneCommand,
  },
  canary: {
    summary: 'compare a canary version with control on production records: promote, continue or rollback',
    load: async () => (await import('./commands/canary.js')).canaryCommand,
  },
  grade: {
    summary: 'run the online graders (production.online) on production records: pass rates',
    load: async () => (await import('./commands/grade.js')).gradeCommand,
  },
  shadow: {
    summary: 'replay sampled production inputs through a candidate target; compare per grader',
    load: async () => (await import('./commands/shadow.js')).shadowCommand,
  },
  record: {
    summary: 'turn raw interactions (JSONL) into production records under the privacy policy',
    load: async () => (await import('./commands/record.js')).recordCommand,
  },
  drift: {
    summary: 'compare production records of two windows; alarm on significant, large drift',
    load: async () => (await import('./commands/drift.js')).driftCommand,
  },
  docs: {
    summary: 'write the eval policy, suite manifest, rollout checklist and incident template from the config',
    load: async () => (await import('./commands/docs.js')).docsCommand,
  },
  incident: {
    summary: "a drift or canary incident's GitHub issue; a production record as a regression case",
    load: async () => (await import('./commands/incident.js')).incidentCommand,
  },
  convert: {
    summary: 'write production records (JSONL) to one Parquet file, with DuckDB',
    load: async () => (await import('./commands/convert.js')).convertCommand,
  },
};

const HELP = `evalgate ${EVALGATE_VERSION} — keep an LLM application's quality stable across prompt, model and retrieval changes

Usage: evalgate <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run 'evalgate <command> --help' for a command's options.
Exit codes: 0 ok, 1 a blocker case or the gate failed, 2 config or usage error.
`;

/** Dispatches a command; every error a user can cause becomes a message and exit 2, never a stack trace. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' && rest[0] !== undefined) {
    // `evalgate help run` is `evalgate run --help`.
    if (!COMMANDS[rest[0]]) return unknownCommand(rest[0], io);
    return main([rest[0], '--help'], io);
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(HELP);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.stdout(`${EVALGATE_VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) return unknownCommand(name, io);
  try {
    const handler = await command.load();
    return await handler(rest, io);
  } catch (e) {
    return reportError(e, io, { allErrors: rest.includes('--all-errors') });
  }
}

function unknownCommand(name: string, io: CliIO): number {
  io.stderr(
    `evalgate: unknown command '${terminalText(name, { oneLine: true, maxLength: 60 })}'. Commands: ${Object.keys(COMMANDS).join(', ')}\n`,
  );
  return 2;
}
