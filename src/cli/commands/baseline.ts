import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BaselineConfigSchema,
  BaselineStoreError,
  fingerprintExtrasForProject,
  formatAge,
  openBaselineStore,
  saveBaselines,
  type Baseline,
  type BaselineConfig,
  type BaselineStore,
} from '../../baseline/index.js';
import { parseResultsDocument, ResultsInputError } from '../../compare/input.js';
import { ConfigError, UsageError } from '../../config/errors.js';
import { loadProject, type LoadedProject } from '../../config/load.js';
import { terminalText } from '../../report/escape.js';
import { reportError } from '../report-error.js';
import type { CliIO, CommandHandler } from '../types.js';

const HELP = `Usage: evalgate baseline <save|show|list> [options]

Baselines are the default branch's results, one per suite, stored with a fingerprint of what
produced them (suite content, target system version, models, graders, evalgate version).

  evalgate baseline save [--results FILE] [--message M]
      split the Results document per suite, fingerprint it, apply the privacy setting, store it
  evalgate baseline show SUITE [--json]
  evalgate baseline list [--json]
      suite, source commit, age, evalgate version, cases

Options:
  -c, --config FILE    project config (default: evalgate.yml); its 'baseline:' section sets the store
  -r, --results FILE   save: the Results document (default: the config's 'output', evalgate-results.json)
  -s, --suite ID       save: only this suite (repeatable)
  -m, --message M      save: the commit message on the baselines branch
      --store KIND     git-branch | path (overrides the config's baseline.store)
      --branch NAME    git-branch: the branch (default: evalgate-baselines)
      --remote NAME    git-branch: fetch the branch from and push it to this remote
      --path DIR       path: the folder (default: .evalgate/baselines)
      --privacy MODE   save: raw | redacted | hash (overrides the config's baseline.privacy)
      --json           show/list: print JSON
  -h, --help

Exit codes: 0 ok, 2 usage or config error, an unreadable baseline, or a store that failed.
`;

export const baselineCommand: CommandHandler = async (argv, io) => {
  try {
    return await run(argv, io);
  } catch (e) {
    if (e instanceof BaselineStoreError) {
      io.stderr(`evalgate: baseline store: ${terminalText(e.message)}\n`);
      return 2;
    }
    if (e instanceof ResultsInputError) {
      io.stderr(`evalgate: ${terminalText(e.message)}\n`);
      return 2;
    }
    return reportError(e, io);
  }
};

async function run(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c', default: 'evalgate.yml' },
      results: { type: 'string', short: 'r' },
      suite: { type: 'string', short: 's', multiple: true, default: [] },
      message: { type: 'string', short: 'm' },
      store: { type: 'string' },
      branch: { type: 'string' },
      remote: { type: 'string' },
      path: { type: 'string' },
      privacy: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  const [sub, ...rest] = positionals;
  if (values.help || sub === 'help') {
    io.stdout(HELP);
    return 0;
  }
  if (!sub) throw new UsageError('baseline: say what to do: save, show SUITE or list (see --help)');
  if (!['save', 'show', 'list'].includes(sub))
    throw new UsageError(`baseline: unknown subcommand '${sub}': expected save, show or list`);
  const expectedArgs = sub === 'show' ? 1 : 0;
  if (rest.length !== expectedArgs) {
    throw new UsageError(
      sub === 'show'
        ? `baseline show takes one suite id${rest.length ? `, got ${rest.length}: ${rest.join(' ')}` : ''}`
        : `baseline ${sub} takes no arguments, got: ${rest.join(' ')}`,
    );
  }
  if (sub !== 'save') {
    for (const flag of ['results', 'message', 'privacy'] as const)
      if (values[flag] !== undefined) throw new UsageError(`--${flag} goes with 'baseline save'`);
    if (values.suite.length) throw new UsageError(`--suite goes with 'baseline save'`);
  } else if (values.json) throw new UsageError(`--json goes with 'baseline show' and 'baseline list'`);

  const project = loadProject(resolve(io.cwd, values.config));
  for (const w of project.warnings) io.stderr(`warning: ${terminalText(w)}\n`);
  const config = settings(project, values);
  const store = openBaselineStore(config, { rootDir: project.rootDir, env: io.env });
  if (!store) {
    throw new UsageError(
      `baseline ${sub}: the 'rerun' store keeps no baselines (it measures the base ref on every run); ` +
        `choose --store git-branch or --store path`,
    );
  }
  const where = describeStore(config, project, io);
  if (sub === 'save') return save(project, store, config, where, values, io);
  if (sub === 'show') return show(store, where, rest[0]!, values.json, io);
  return list(store, where, values.json, io);
}

interface Flags {
  results?: string;
  suite: string[];
  message?: string;
  store?: string;
  branch?: string;
  remote?: string;
  path?: string;
  privacy?: string;
}

function settings(project: LoadedProject, flags: Flags): BaselineConfig {
  const merged = {
    ...project.config.baseline,
    ...(flags.store !== undefined && { store: flags.store }),
    ...(flags.branch !== undefined && { branch: flags.branch }),
    ...(flags.remote !== undefined && { remote: flags.remote }),
    ...(flags.path !== undefined && { path: flags.path }),
    ...(flags.privacy !== undefined && { privacy: flags.privacy }),
  };
  const parsed = BaselineConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    throw new UsageError(`--${key} '${String((merged as Record<string, unknown>)[key])}': ${issue.message}`);
  }
  return parsed.data;
}

function describeStore(config: BaselineConfig, project: LoadedProject, io: CliIO): string {
  if (config.store === 'path')
    return `path ${relative(io.cwd, resolve(project.rootDir, config.path)) || config.path}`;
  return `branch ${config.remote ? `${config.remote}/` : ''}${config.branch}`;
}

async function save(
  project: LoadedProject,
  store: BaselineStore,
  config: BaselineConfig,
  where: string,
  flags: Flags,
  io: CliIO,
): Promise<number> {
  const file = resolve(
    flags.results !== undefined ? io.cwd : project.rootDir,
    flags.results ?? project.config.output,
  );
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(
      (e as NodeJS.ErrnoException).code === 'ENOENT'
        ? `Results document not found: run 'evalgate run' first, or pass --results FILE`
        : `cannot read the Results document: ${(e as Error).message}`,
      { file },
    );
  }
  const results = parseResultsDocument(text, relative(io.cwd, file) || file);
  const unknown = flags.suite.filter((id) => !results.suites.some((s) => s.id === id));
  if (unknown.length)
    throw new UsageError(
      `--suite ${unknown.join(', ')}: not in the Results document (it has: ${results.suites.map((s) => s.id).join(', ') || 'no suite'})`,
    );
  if (results.suites.length === 0)
    throw new UsageError('the Results document holds no suite: nothing to save');
  const saved = await saveBaselines({
    store,
    results,
    privacy: config.privacy,
    extras: fingerprintExtrasForProject(project),
    ...(flags.suite.length && { suiteIds: flags.suite }),
    ...(flags.message !== undefined && { message: flags.message }),
  });
  const commit = saved.commit ? ` in commit ${saved.commit.slice(0, 12)}` : '';
  const retries = saved.attempts > 1 ? ` (after ${saved.attempts - 1} lost race(s) with other writers)` : '';
  io.stdout(
    `Saved ${saved.baselines.length} baseline${saved.baselines.length === 1 ? '' : 's'} to ${where}${commit}${retries}, privacy ${config.privacy}:\n`,
  );
  for (const b of saved.baselines) {
    const n = b.fingerprint.suite.caseIds.length;
    io.stdout(terminalText(`  ${b.suite}  ${n} case${n === 1 ? '' : 's'}  → ${saved.locations[b.suite]}\n`));
  }
  // Without a remote the branch exists only in this clone: say how to share it, or CI loses it.
  if (config.store === 'git-branch' && !config.remote)
    io.stdout(
      `The branch is local to this clone: 'git push origin ${config.branch}', or save with --remote origin.\n`,
    );
  return 0;
}

async function show(
  store: BaselineStore,
  where: string,
  suite: string,
  json: boolean,
  io: CliIO,
): Promise<number> {
  const baseline = (await store.load([suite])).get(suite);
  if (!baseline) {
    const stored = (await store.list()).map((l) => l.suite);
    throw new UsageError(
      `no baseline for suite '${suite}' in ${where} (stored: ${stored.join(', ') || 'none'})`,
    );
  }
  if (json) {
    io.stdout(`${JSON.stringify(baseline, null, 2)}\n`);
    return 0;
  }
  // A stored baseline may come from another clone or a remote branch: its text is untrusted.
  io.stdout(terminalText(renderBaseline(baseline, where), { maxLength: 200_000 }));
  return 0;
}

function renderBaseline(b: Baseline, where: string): string {
  const f = b.fingerprint;
  const m = b.result.metrics;
  const lines = [
    `Baseline of suite ${b.suite} (${where})`,
    `  recorded     ${f.recordedAt} (${formatAge(Date.now() - Date.parse(f.recordedAt))} ago)`,
    `  commit       ${f.commit ?? '(unknown)'}${f.ref ? ` on ${f.ref}` : ''}`,
    `  evalgate     ${f.evalgateVersion}`,
    `  target       ${f.target.name} (${f.target.kind}${f.target.model ? `, model ${f.target.model}` : ''})`,
    `  system       ${f.target.systemVersion ?? '(no version id)'}`,
    ...(f.judge ? [`  judge        ${f.judge.model}${f.judge.version ? ` ${f.judge.version}` : ''}`] : []),
    `  graders      ${f.graders.names.join(', ') || '(none)'}${f.graders.specHash ? ` (specs ${f.graders.specHash.slice(0, 12)})` : ''}`,
    `  content      ${f.suite.contentHash}`,
    `  cases        ${f.suite.caseIds.length}, ${m.samples} samples: ${m.passed} passed, ${m.failed} failed, ${m.errors} errors` +
      (m.passRate === null ? '' : ` (pass rate ${(m.passRate * 100).toFixed(1)}%)`),
    `  privacy      ${b.privacy}`,
  ];
  return `${lines.join('\n')}\n`;
}

async function list(store: BaselineStore, where: string, json: boolean, io: CliIO): Promise<number> {
  const listing = (await store.list()).sort((a, b) => (a.suite < b.suite ? -1 : 1));
  if (json) {
    io.stdout(`${JSON.stringify(listing, null, 2)}\n`);
    return 0;
  }
  if (listing.length === 0) {
    io.stdout(
      `No baselines in ${where}. Save some with 'evalgate baseline save' after a run on the default branch.\n`,
    );
    return 0;
  }
  const rows = [
    ['SUITE', 'COMMIT', 'AGE', 'EVALGATE', 'CASES', 'PRIVACY'],
    ...listing.map((l) => [
      l.suite,
      l.commit?.slice(0, 12) ?? '-',
      formatAge(Date.now() - Date.parse(l.recordedAt)),
      l.evalgateVersion,
      String(l.cases),
      l.privacy,
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  io.stdout(`Baselines in ${where}:\n`);
  for (const r of rows)
    io.stdout(
      `  ${terminalText(
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
        { oneLine: true },
      )}\n`,
    );
  return 0;
}
