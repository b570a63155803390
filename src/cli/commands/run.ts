import { readFileSync } from 'node:fs';
import { formatUsd } from '../../compare/format.js';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../config/errors.js';
import { loadProject, type LoadedProject, type LoadedSuite } from '../../config/load.js';
import { prepareTargets } from '../../config/targets.js';
import { projectCache } from '../../runner/cache.js';
import { planFromGit, readPlan, renderPlanText, suitesInPlan, type Plan } from '../../plan/index.js';
import { renderConfirmationText } from '../../gate/confirm.js';
import { evaluateInBatch } from '../../pipeline/batch.js';
import { evaluate } from '../../pipeline/evaluate.js';
import { BatchRunError } from '../../runner/batch/index.js';
import { batchPrices } from '../../runner/pricing.js';
import { comparisonFileOf, gateChange, writeComparisonFile } from '../../pipeline/gate-change.js';
import { renderSettlementText } from '../../pipeline/settle.js';
import { terminalText } from '../../report/escape.js';
import { renderComparisonMarkdown } from '../../report/markdown.js';
import type { ResultsDocument } from '../../results/types.js';
import type { RunEvent, RunOutcome } from '../../runner/run.js';
import { checkBudget } from '../../pipeline/budget.js';
import { renderEstimateText } from '../../plan/estimate.js';
import { writeExports } from '../exports.js';
import { createProgress } from '../progress.js';
import { selectSuites } from '../select.js';
import { parseShard, shardSuites, type ShardInfo } from '../../plan/shard.js';
import { advisoryGraders, percent, renderFailures, renderSummaryTable } from '../summary.js';
import type { CliIO, CommandHandler } from '../types.js';

const HELP = `Usage: evalgate run [options]

Runs suites against their targets, grades every case, and writes the Results document.

Options:
  -c, --config FILE      project config (default: evalgate.yml)
  -s, --suite ID         run only this suite (repeatable)
  -f, --filter K=V       run only cases whose tag K is V, or blocker=true, id=ID (repeatable; all must match)
  -o, --out FILE         Results document, relative to the working directory (default: the config's
                         'output', evalgate-results.json next to the config)
  -j, --concurrency N    requests in flight at once (default: the config's, 8)
      --no-cache         neither read nor write the response cache
      --refresh-failures request afresh every cached answer that graded fail or error (the fresh
                         answer replaces it in the cache); cached passes are still replayed
      --base REF         run only the suites a change since REF affects (see 'evalgate plan'),
                         then compare them with their stored baselines and gate
      --head REF         with --base: the changed revision (default: the working tree,
                         uncommitted changes included)
      --plan FILE        run the suites of a saved plan ('evalgate plan --json > plan.json')
      --shard I/N        run only shard I of N: a split balanced by expected cost, the same on
                         every machine; combine the shards' Results with 'evalgate merge'
      --results FILE     with --base: gate this Results document (merged shards) instead of running
      --estimate         print the estimated calls, tokens and cost first, and how many calls the
                         response cache answers (always done, and the run refused when what it
                         will send costs more, when the config sets budget.maxCostUSD)
      --batch            send the requests of openai targets through the OpenAI Batch API (answers
                         within 24 h, at the batch price); a restarted run resumes the same batch
      --batch-poll-interval SECONDS
                         with --batch: how often to ask for the batch's status (default: 30)
      --json             print the run summary as JSON on stdout
      --junit FILE       also write the results as JUnit XML (see 'evalgate export')
      --sarif FILE       also write the safety findings as SARIF 2.1.0 (see 'evalgate export')
      --all-errors       on a config error, print every one, not only the first 25
  -h, --help

Exit codes: 0 every blocker case passed (and, with --base, the gate passed, warned or was inconclusive);
1 a blocker case failed or errored, or the gate failed; 2 config or usage error; 130 interrupted.
An interrupted run (Ctrl-C, a crash) resumes where it stopped when run again with the same options.
`;

export const runCommand: CommandHandler = async (argv, io) => {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c', default: 'evalgate.yml' },
      suite: { type: 'string', short: 's', multiple: true, default: [] },
      filter: { type: 'string', short: 'f', multiple: true, default: [] },
      out: { type: 'string', short: 'o' },
      concurrency: { type: 'string', short: 'j' },
      'no-cache': { type: 'boolean', default: false },
      'refresh-failures': { type: 'boolean', default: false },
      base: { type: 'string' },
      head: { type: 'string' },
      plan: { type: 'string' },
      shard: { type: 'string' },
      results: { type: 'string' },
      estimate: { type: 'boolean', default: false },
      batch: { type: 'boolean', default: false },
      'batch-poll-interval': { type: 'string' },
      json: { type: 'boolean', default: false },
      junit: { type: 'string' },
      sarif: { type: 'string' },
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
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (
    concurrency !== undefined &&
    !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= 1024)
  ) {
    throw new UsageError(`--concurrency takes a whole number from 1 to 1024, got '${values.concurrency}'`);
  }
  if (values.plan && values.base) throw new UsageError('--plan and --base are alternatives: give one');
  if (values.head && !values.base) throw new UsageError('--head goes with --base');
  if (values.results && !values.base)
    throw new UsageError('--results goes with --base: it gates a Results document');
  if (values.shard && values.base)
    throw new UsageError(
      "--shard and --base are for different jobs: each shard runs its part ('evalgate plan --out plan.json', then 'run --plan plan.json --shard I/N'); the merging job gates ('evalgate merge', then 'run --base REF --results merged.json')",
    );
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  const batch = values.batch ? batchSettings(values) : undefined;
  if (!values.batch && values['batch-poll-interval'] !== undefined)
    throw new UsageError('--batch-poll-interval goes with --batch');

  const configPath = resolve(io.cwd, values.config);
  const project = loadProject(configPath, {
    env: io.env,
    // Judge graders cache their calls like targets do, in the same place and on the same terms.
    cache: (config, rootDir) => projectCache(config, rootDir, values['no-cache']),
  });
  for (const w of project.warnings) io.stderr(`warning: ${terminalText(w)}\n`);

  // Which suites: all, or those a change affects (a plan), then --suite / --filter.
  let suites: LoadedSuite[] = project.suites;
  let plan: Plan | undefined;
  if (values.base) {
    plan = await planFromGit({
      cwd: io.cwd,
      base: values.base,
      config: configPath,
      env: io.env,
      ...(values.head ? { head: values.head } : { workingTree: true }),
    });
    io.stderr(terminalText(renderPlanText(plan), { maxLength: Infinity }));
  } else if (values.plan) {
    plan = readPlan(resolve(io.cwd, values.plan));
  }
  if (plan) {
    const { run, missing } = suitesInPlan(plan, project.suites);
    if (missing.length)
      io.stderr(`warning: the plan names suites this config does not have: ${missing.join(', ')}\n`);
    suites = run;
  }
  suites = selectSuites(suites, values.suite, values.filter);
  let shardInfo: ShardInfo | undefined;
  if (shard) ({ suites, info: shardInfo } = shardSuites(suites, shard));
  if (batch) refuseNonOpenAI(project, suites);

  const runOptions = {
    cwd: io.cwd,
    // --out, like every command's, is relative to the working directory; the config's
    // `output` is relative to the config, as all its paths are.
    out: values.out ? resolve(io.cwd, values.out) : resolve(project.rootDir, project.config.output),
    concurrency: concurrency ?? project.config.concurrency,
    cache: !values['no-cache'] && project.config.cache.enabled,
    suiteIds: values.suite,
    filters: values.filter,
    ...(values['refresh-failures'] && { refreshFailures: true }),
    ...(shardInfo && { shard: shardInfo }),
  };
  // Cost before spending: estimated from the requests the run would send (not those its
  // cache answers); refused over budget.
  if (!values.results && (values.estimate || project.config.budget.maxCostUSD !== undefined)) {
    // A batch run is estimated, and held to the budget, at the batch price it will be billed.
    const priced = batch
      ? { ...project, config: { ...project.config, prices: batchPrices(project.config.prices) } }
      : project;
    const budget = await checkBudget(priced, suites, io.env, runOptions);
    io.stderr(terminalText(renderEstimateText(budget.estimate, formatUsd), { maxLength: Infinity }));
    if (budget.refused) {
      io.stderr(`evalgate: ${terminalText(budget.refused)}\n`);
      return 2;
    }
  }

  const exports = {
    ...(values.junit && { junit: values.junit }),
    ...(values.sarif && { sarif: values.sarif }),
  };
  if (!values.base || suites.length === 0) {
    const targets = prepareTargets(project, suites, io.env);
    try {
      const outcome = await withProgress(io, (signal, onEvent) =>
        batch
          ? evaluateInBatch(project, suites, targets, {
              ...runOptions,
              signal,
              onEvent,
              pollIntervalMs: batch.pollIntervalMs,
              log: (line) => io.stderr(`evalgate: batch: ${terminalText(line, { oneLine: true })}\n`),
            })
          : evaluate(project, suites, targets, { ...runOptions, signal, onEvent }),
      ).catch((e: unknown) => {
        if (e instanceof BatchRunError) return e;
        throw e;
      });
      if (outcome instanceof BatchRunError) return batchFailed(outcome, io);
      const code = report(outcome, suites, io, values.json, project.config.gate);
      await writeExports(outcome.path, project.rootDir, exports, io);
      return code;
    } finally {
      for (const t of targets.values()) await t.close?.();
    }
  }

  // --base: the change is judged against the stored baselines of the suites it ran, its
  // failing blockers confirmed and its inconclusive suites settled (pipeline/gate-change.ts).
  const base = values.base;
  const gated = await withProgress(io, (signal, onEvent) =>
    gateChange({
      project,
      suites,
      run: runOptions,
      baseRef: base,
      ...(values.results && { current: resolve(io.cwd, values.results) }),
      repoDir: io.cwd,
      env: io.env,
      signal,
      onEvent,
      log: (line) => io.stderr(`${terminalText(line)}\n`),
    }),
  );
  const code = report(gated.outcome, suites, io, values.json, project.config.gate);
  await writeExports(gated.outcome.path, project.rootDir, exports, io);
  if (gated.outcome.summary.partial) return code;
  // Suite and case ids come from the user's files.
  io.stderr(terminalText(renderConfirmationText(gated.confirmation), { maxLength: Infinity }));
  if (gated.settlement)
    io.stderr(terminalText(renderSettlementText(gated.settlement), { maxLength: Infinity }));
  const comparisonPath = join(dirname(gated.outcome.path), 'evalgate-comparison.json');
  writeComparisonFile(comparisonPath, comparisonFileOf(gated));
  if (!values.json) {
    for (const note of gated.notes) io.stdout(`\n${note}\n`);
    io.stdout(
      `\n${renderComparisonMarkdown(gated.comparison, gated.verdict)}\nComparison: ${relative(io.cwd, comparisonPath)}\n`,
    );
  }
  io.stderr(`evalgate: gate verdict: ${gated.verdict.verdict}\n`);
  return gated.verdict.verdict === 'fail' || gated.verdict.verdict === 'error' ? 1 : code;
};

/** `--batch`: the poll interval, and the options a batch run cannot take. */
function batchSettings(values: {
  base?: string | undefined;
  'refresh-failures'?: boolean | undefined;
  'batch-poll-interval'?: string | undefined;
}): { pollIntervalMs: number } {
  if (values.base)
    throw new UsageError(
      "--batch is for full runs and baselines, not the PR gate: 'run --batch --out FILE', then 'run --base REF --results FILE' gates it",
    );
  if (values['refresh-failures'])
    throw new UsageError(
      '--refresh-failures and --batch do not go together: run the failures again live, or drop them from the cache',
    );
  const raw = values['batch-poll-interval'];
  const seconds = raw === undefined ? 30 : Number(raw);
  if (!(Number.isFinite(seconds) && seconds > 0 && seconds <= 3600))
    throw new UsageError(`--batch-poll-interval takes seconds, more than 0 and at most 3600, got '${raw}'`);
  return { pollIntervalMs: Math.round(seconds * 1000) };
}

/** The Batch API is OpenAI's: a suite whose target is not an openai target cannot use it. */
function refuseNonOpenAI(project: LoadedProject, suites: LoadedSuite[]): void {
  const others = [...new Set(suites.map((s) => s.target))].filter(
    (name) => project.config.targets[name]?.type !== 'openai',
  );
  if (others.length === 0) return;
  const named = others.map((n) => `'${n}' (${project.config.targets[n]?.type ?? 'unknown'})`).join(', ');
  throw new UsageError(
    `--batch sends requests through the OpenAI Batch API, so every suite's target must be an openai target; not ${named}. Select the openai suites with --suite, or run without --batch`,
  );
}

/** The batch step failed or was interrupted: the batch state is kept, so running again resumes it. */
function batchFailed(e: BatchRunError, io: CliIO): number {
  if (e.interrupted) {
    io.stderr(
      'evalgate: batch: interrupted; the batch keeps running at the provider: run the same command again to resume it\n',
    );
    return 130;
  }
  io.stderr(
    `evalgate: batch: ${terminalText(e.message)}\nThe batch state is kept: run the same command again to resume.\n`,
  );
  return 2;
}

/**
 * Runs `work` with the terminal's progress display and Ctrl-C handling: the first Ctrl-C
 * stops starting work and writes what finished (the journal lets the next run resume).
 */
async function withProgress<T>(
  io: CliIO,
  work: (signal: AbortSignal, onEvent: (e: RunEvent) => void) => Promise<T>,
): Promise<T> {
  const progress = createProgress(io.stderr, io.isTTY);
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    io.stderr('\nevalgate: interrupted: finishing up (Ctrl-C again to quit now)\n');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    return await work(abort.signal, (e) => {
      if (e.type === 'run-started') progress.start(e.total, e.resumed);
      else if (e.type === 'sample') progress.sample(e.status, e.cached);
      else if (e.type === 'rate-limit')
        progress.note(`${e.target}: rate limited, pausing ${Math.ceil(e.pauseMs / 100) / 10}s (${e.reason})`);
      else if (e.type === 'warning') progress.note(`warning: ${e.message}`);
    });
  } finally {
    process.off('SIGINT', onSigint);
    progress.finish();
  }
}

/**
 * The end of a run in the terminal: the suite table, why each failing case failed, and the
 * exit code. 1 when a blocker case did not pass, or when a suite's share of errored samples
 * is above `gate.errors.maxRate` (a suite whose calls mostly failed says nothing: fail closed).
 */
function report(
  outcome: RunOutcome,
  suites: LoadedSuite[],
  io: CliIO,
  json: boolean,
  gate: { errors: { maxRate: number } } = { errors: { maxRate: 0.1 } },
): number {
  const { summary } = outcome;
  const blockersFailed = summary.blockerFailures.length > 0;
  const maxRate = gate.errors.maxRate;
  const erroring = outcome.suites.filter((s) => s.metrics.samples > 0 && s.metrics.errorRate > maxRate);
  // The per-case detail is in the document just written; read only when something is to explain.
  const doc =
    (summary.failed > 0 || summary.errors > 0) && !(json && erroring.length === 0)
      ? (JSON.parse(readFileSync(outcome.path, 'utf8')) as ResultsDocument)
      : undefined;
  const rootDir = doc ? resolve(io.cwd, dirname(doc.run.configPath)) : io.cwd;
  if (json) {
    io.stdout(`${JSON.stringify({ path: outcome.path, summary, suites: outcome.suites }, null, 2)}\n`);
  } else if (suites.length === 0) {
    io.stdout('Nothing to run: no suite is affected or selected.\n');
  } else {
    const rows = outcome.suites.map((row) => {
      const loaded = suites.find((x) => x.id === row.id);
      const advisory = loaded ? advisoryGraders(loaded) : {};
      return Object.keys(advisory).length ? { ...row, advisory } : row;
    });
    io.stdout(`\n${renderSummaryTable(rows, outcome.dimensions)}\n\n`);
    if (doc) {
      const why = renderFailures(doc, { rootDir, cwd: io.cwd });
      if (why) io.stdout(`${why}\n`);
    }
    if (blockersFailed) {
      const n = summary.blockerFailures.length;
      io.stdout(`${n} blocker case${n === 1 ? '' : 's'} did not pass.\n`);
    }
    const cost = summary.cost === null ? '' : ` · ${formatUsd(summary.cost)}`;
    io.stdout(
      `${summary.samples} samples: ${summary.passed} passed, ${summary.failed} failed, ${summary.errors} errors${cost}${outcome.resumed ? ` · ${outcome.resumed} resumed` : ''}\n`,
    );
    io.stdout(`Results: ${relative(io.cwd, outcome.path) || outcome.path}\n`);
    if (summary.partial) io.stdout('The run was interrupted: run the same command again to resume.\n');
  }
  // On stderr, so it is seen with --json too.
  for (const s of erroring) io.stderr(renderErrorRate(s, maxRate, doc));
  if (summary.partial) return 130;
  return blockersFailed || erroring.length > 0 ? 1 : 0;
}

function renderErrorRate(
  suite: RunOutcome['suites'][number],
  maxRate: number,
  doc: ResultsDocument | undefined,
): string {
  const m = suite.metrics;
  let out = `evalgate: suite '${suite.id}': ${m.errors} of ${m.samples} samples errored (${percent(m.errorRate)}, above gate.errors.maxRate ${percent(maxRate)}): its results say nothing, so the run fails\n`;
  const messages = new Map<string, number>();
  for (const c of doc?.suites.find((x) => x.id === suite.id)?.cases ?? [])
    for (const sample of c.samples)
      if (sample.error) {
        const key = `${sample.error.kind}${sample.error.status ? ` ${sample.error.status}` : ''}: ${sample.error.message}`;
        messages.set(key, (messages.get(key) ?? 0) + 1);
      }
  const top = [...messages].sort((a, b) => b[1] - a[1]);
  for (const [message, n] of top.slice(0, 3))
    out += `  ${n}× ${terminalText(message, { oneLine: true, maxLength: 200 })}\n`;
  if (top.length > 3) out += `  … and ${top.length - 3} other errors (see the Results document)\n`;
  return out;
}
