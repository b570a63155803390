import { relative, sep } from 'node:path';
import type { RunInfo } from '../results/types.js';
import { summaryOf } from '../results/summary.js';
import { EVALGATE_VERSION } from '../version.js';
import type { RunContext } from './context.js';
import type { RunOutcome } from './types.js';
import { writeResultsDocument } from './writer.js';

/**
 * Step 6, summarize: the Results document assembled from the journal (writer.ts), with the
 * run's self-description and its summary; a run cut short is marked partial and keeps its
 * journal, so the next run with the same inputs resumes.
 */
export function summarizeRun(ctx: RunContext): RunOutcome {
  const { suites, ledger, header } = ctx;
  const partial = ledger.doneSamples < ledger.totalSamples;
  const metrics = suites.map((_, s) => ledger.metrics[s]!.snapshot());
  const summary = summaryOf(
    suites.map((s, i) => ({ id: s.id, metrics: metrics[i]! })),
    partial,
  );
  writeResultsDocument({
    path: ctx.outFile,
    run: runInfo(ctx),
    summary,
    suites,
    metrics,
    rootDir: ctx.project.rootDir,
    ledger,
    journal: ctx.journal,
  });
  return {
    path: ctx.outFile,
    runId: header.runId,
    summary,
    suites: suites.map((s, i) => ({ id: s.id, tier: s.tier, target: s.target, metrics: metrics[i]! })),
    dimensions: ledger.metrics.map((m) => m.dimensions),
    resumed: ctx.resumed,
    ...(partial && { journal: ctx.journalFile }),
  };
}

/** What the document says about the run that made it: versions, config, options, targets. */
function runInfo(ctx: RunContext): RunInfo {
  const { meta, project } = ctx;
  const targetInfo: RunInfo['targets'] = {};
  for (const name of ctx.settings.keys()) targetInfo[name] = ctx.targets.get(name)!.info;
  return {
    id: ctx.header.runId,
    ...(meta.gitSha !== undefined && { gitSha: meta.gitSha }),
    ...(meta.gitRef !== undefined && { gitRef: meta.gitRef }),
    startedAt: ctx.header.startedAt,
    finishedAt: new Date(ctx.clock.now()).toISOString(),
    evalgateVersion: EVALGATE_VERSION,
    nodeVersion: meta.nodeVersion ?? process.version,
    configPath: meta.configPath ?? relativePosix(project.rootDir, project.configPath),
    configHash: project.configHash,
    components: meta.components ?? {},
    targets: meta.targets ?? targetInfo,
    options: {
      concurrency: ctx.concurrency,
      cache: ctx.cache !== null,
      ...meta.options,
      ...(ctx.offset !== 0 && { sampleOffset: ctx.offset }),
      ...(ctx.refreshFailures && { refreshFailures: ctx.refreshFailures }),
    },
  };
}

function relativePosix(root: string, file: string): string {
  const rel = relative(root, file);
  return sep === '/' ? rel : rel.split(sep).join('/');
}
