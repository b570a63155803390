import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../config/errors.js';
import { detectProject, splitCommand } from '../../init/detect.js';
import { DEFAULT_DOCS_DIR } from '../../docs/index.js';
import { INIT_DOCUMENTS, renderInitDocuments } from '../../init/docs.js';
import {
  chooseTarget,
  CONFIG_FILE,
  planInit,
  type InitChoices,
  type InitTargetType,
} from '../../init/scaffold.js';
import { terminalText } from '../../report/escape.js';
import type { CliIO, CommandHandler } from '../types.js';

const HELP = `Usage: evalgate init [--yes] [--dry-run] [--force] [--target openai|http|command]
                     [--prompt FILE] [--model FILE] [--command "ARGV"] [--url URL] [--dir DIR]

Sets evalgate up in an existing repository. Finds prompt files (prompts/**/*.{md,txt,yaml,yml,json})
and model files (models/**/*.{yaml,yml,json}) and writes:

  evalgate.yml                           the config: one target, your suites, the safety packs
  evalgate/suites/starter.yml            a starter trusted suite to fill in
  .github/workflows/evalgate.yml         pull requests, and baselines on pushes to main
  .github/workflows/evalgate-report.yml  the verdict of pull requests from forks
  docs/evalgate/*.md                     the eval policy, suite manifest, rollout checklist and
                                         incident log template, generated from evalgate.yml

An existing file is kept, never overwritten, unless --force. Running init again is safe.

  -y, --yes            ask nothing; take what was found and the defaults
      --dry-run        list what would be written, write nothing
  -f, --force          overwrite existing files
      --target TYPE    openai (a prompt and a model file), http (your service) or command (a program)
      --prompt FILE    the prompt file (openai target), or a prompt to watch for changes
      --model FILE     the model file (openai target), or a model config to watch
      --command ARGV   the command target's program, e.g. "python -m app.answer"
      --url URL        the http target's endpoint
      --dir DIR        the repository root (default: the current directory)

On a terminal without --yes, init asks for what it could not find. Exit 0 ok, 2 usage error.
`;

const TARGETS: readonly InitTargetType[] = ['openai', 'http', 'command'];

/** Asks one question; undefined when nobody can answer (not a terminal, or --yes). */
export type Ask = (question: string, fallback: string) => Promise<string>;

export const initCommand: CommandHandler = async (argv, io) => initWith(argv, io, terminalAsk(io));

export async function initWith(argv: string[], io: CliIO, ask: Ask | undefined): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      yes: { type: 'boolean', short: 'y', default: false },
      'dry-run': { type: 'boolean', default: false },
      force: { type: 'boolean', short: 'f', default: false },
      target: { type: 'string' },
      prompt: { type: 'string' },
      model: { type: 'string' },
      command: { type: 'string' },
      url: { type: 'string' },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  const root = resolve(io.cwd, values.dir ?? '.');
  if (!existsSync(root)) throw new UsageError(`--dir ${values.dir}: no such directory`);
  if (values.target !== undefined && !TARGETS.includes(values.target as InitTargetType))
    throw new UsageError(`--target must be one of ${TARGETS.join(', ')}, not '${values.target}'`);
  for (const flag of ['prompt', 'model'] as const) {
    const file = values[flag];
    if (file !== undefined && !existsSync(resolve(root, file)))
      throw new UsageError(`--${flag} ${file}: no such file (paths are relative to ${root})`);
  }
  const choices: InitChoices = {
    ...(values.target && { target: values.target as InitTargetType }),
    ...(values.prompt && { prompt: toPosix(values.prompt) }),
    ...(values.model && { model: toPosix(values.model) }),
    ...(values.url && { url: values.url }),
  };
  if (values.command !== undefined) choices.command = parseCommand(values.command);

  const detected = detectProject(root);
  const interactive = ask !== undefined && !values.yes;
  if (interactive) await askMissing(ask, choices, detected, root);

  const plan = planInit(root, choices, detected);
  const written: string[] = [];
  const kept: string[] = [];
  const dry = values['dry-run'];
  const out = (s: string) => io.stdout(s);
  out(
    `evalgate init: ${plan.target} target` +
      (detected.prompts.length + detected.models.length > 0
        ? ` (found ${count(detected.prompts.length, 'prompt file')}, ${count(detected.models.length, 'model file')})`
        : ' (no prompt or model files found)') +
      '\n',
  );
  for (const file of plan.files) {
    const abs = join(root, file.path);
    const exists = existsSync(abs);
    if (exists && !values.force) {
      kept.push(file.path);
      continue;
    }
    const verb = dry ? (exists ? 'would overwrite' : 'would write') : exists ? 'overwrote' : 'wrote';
    if (!dry) {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, file.content);
    }
    written.push(file.path);
    out(`  ${verb.padEnd(15)} ${terminalText(file.path)}  — ${file.purpose}\n`);
  }
  // The generated documents come from the config just written (or kept), so they go last.
  const docs = INIT_DOCUMENTS.filter((d) => values.force || !existsSync(join(root, d.path)));
  for (const d of INIT_DOCUMENTS) if (!docs.includes(d)) kept.push(d.path);
  const rendered = dry || docs.length === 0 ? undefined : await renderInitDocuments(root);
  if (rendered && 'error' in rendered)
    plan.notes.push(
      `${DEFAULT_DOCS_DIR}/ was not written: ${CONFIG_FILE} does not load (${rendered.error}); fix it, then run 'npx evalgate docs'`,
    );
  else
    for (const d of docs) {
      const abs = join(root, d.path);
      const exists = existsSync(abs);
      const verb = dry ? (exists ? 'would overwrite' : 'would write') : exists ? 'overwrote' : 'wrote';
      if (rendered) {
        mkdirSync(dirname(abs), { recursive: true });
        writeFileSync(abs, rendered.files.find((f) => f.path === d.path)!.content);
      }
      written.push(d.path);
      out(`  ${verb.padEnd(15)} ${terminalText(d.path)}  — ${d.purpose}\n`);
    }
  for (const path of kept)
    out(`  ${'kept'.padEnd(15)} ${terminalText(path)}  — it exists; --force overwrites it\n`);
  for (const note of plan.notes) out(`note: ${terminalText(note)}\n`);
  if (dry) {
    out('Dry run: nothing was written.\n');
    return 0;
  }
  if (written.length === 0) out('Nothing to write: evalgate is already set up here.\n');
  out(nextSteps(plan.secret));
  return 0;
}

function nextSteps(secret: string | undefined): string {
  const steps = [
    ...(secret ? [`export ${secret}=...          # the target's API key`] : []),
    'npx evalgate validate           # check the config and suites, no model called',
    'npx evalgate run                # run every suite; writes evalgate-results.json',
    'npx evalgate baseline save      # store the results as the baseline to compare with',
    'git add evalgate.yml evalgate docs/evalgate .github/workflows && git commit -m "Add evalgate"',
    'add evalgate-results.json, evalgate-comparison.json and .evalgate/ to .gitignore: they are outputs',
  ];
  const lines = steps.map((s, i) => `  ${i + 1}. ${s}`);
  if (secret)
    lines.push(
      `  ${steps.length + 1}. add the ${secret} secret to the repository: Settings → Secrets and variables → Actions (or: gh secret set ${secret})`,
    );
  lines.push(
    '  The workflows save baselines on pushes to main: edit `branches: [main]` if your default branch differs.',
  );
  return `\nNext steps:\n${lines.join('\n')}\n`;
}

async function askMissing(
  ask: Ask,
  choices: InitChoices,
  detected: ReturnType<typeof detectProject>,
  root: string,
): Promise<void> {
  const file = (flag: string, answer: string): string => {
    if (!existsSync(resolve(root, answer)))
      throw new UsageError(`${flag} ${answer}: no such file (paths are relative to ${root})`);
    return toPosix(answer);
  };
  if (!choices.target) {
    const answer = (await ask('Target type: openai, http or command?', chooseTarget(choices))).trim();
    if (!TARGETS.includes(answer as InitTargetType))
      throw new UsageError(`target type must be one of ${TARGETS.join(', ')}, not '${answer}'`);
    choices.target = answer as InitTargetType;
  }
  if (choices.target === 'openai') {
    if (!choices.prompt && detected.prompts.length !== 1) {
      const answer = (
        await ask('Prompt file (empty: write a starter prompt)?', detected.prompts[0] ?? '')
      ).trim();
      if (answer) choices.prompt = file('prompt', answer);
    }
    if (!choices.model && detected.models.length !== 1) {
      const answer = (await ask('Model file (empty: write a starter one)?', detected.models[0] ?? '')).trim();
      if (answer) choices.model = file('model', answer);
    }
  } else if (choices.target === 'command' && !choices.command) {
    choices.command = parseCommand(await ask('Command that answers one case (argv)?', 'node app.js'));
  } else if (choices.target === 'http' && !choices.url) {
    choices.url = (await ask('URL of your service?', 'http://localhost:8080/ask')).trim();
  }
}

function parseCommand(line: string): string[] {
  let argv: string[];
  try {
    argv = splitCommand(line);
  } catch (e) {
    throw new UsageError(`--command: ${(e as Error).message}`);
  }
  if (argv.length === 0) throw new UsageError('--command is empty');
  return argv;
}

/** Questions on a terminal only: in CI or a pipe there is nobody to answer. */
function terminalAsk(io: CliIO): Ask | undefined {
  if (!io.isTTY || !process.stdin.isTTY) return undefined;
  return async (question, fallback) => {
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await rl.question(`${question}${fallback ? ` [${fallback}]` : ''} `);
      return answer.trim() === '' ? fallback : answer;
    } finally {
      rl.close();
    }
  };
}

function toPosix(path: string): string {
  return path.replaceAll('\\', '/').replace(/^\.\//, '');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
