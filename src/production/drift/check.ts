import { resolve } from 'node:path';
import { openBaselineStore, type Baseline, type OctokitLike } from '../../baseline/index.js';
import { ConfigError, UsageError } from '../../config/errors.js';
import { loadProject, type LoadedProject } from '../../config/load.js';
import { expandFlagGlobs } from '../../util/glob.js';
import { CoverageCounter, type CoverageReport } from '../coverage.js';
import { loadProductionPolicy } from '../policy.js';
import { DriftConfigSchema } from './config.js';
import type { DriftReport } from './drift.js';
import { isParquet, isRemote, loadDuckDb } from './duckdb.js';
import { coverageMarkdown, driftMarkdown } from './report.js';
import { driftAgainstBaseline, driftOfFiles, type DriftEngine, type OnRecord } from './run.js';

/**
 * One drift check, composed once for `evalgate drift` and the Action's `drift` mode: the
 * policy (no policy, nothing read), the windows' files, the engine, the reference (records,
 * or the eval baseline), the comparison, coverage, and the Markdown report.
 */

/** `--reference baseline`: the reference window is the eval suites' cases and their baseline. */
export const BASELINE_REFERENCE = 'baseline';

export type EngineName = 'auto' | 'duckdb' | 'stream';

export interface DriftCheckOptions {
  /** Where globs are resolved. */
  cwd: string;
  /** The project config holding the policy (absolute, or relative to cwd). */
  config: string;
  /** Globs of the current window's records: local paths, or remote URLs passed to DuckDB as given. */
  current: readonly string[];
  /** Globs of the reference window, or [BASELINE_REFERENCE]. */
  reference: readonly string[];
  coverage?: boolean;
  engine?: EngineName;
  /** S3 credentials for DuckDB, and the baseline store's git environment. */
  env: Record<string, string | undefined>;
  /** Folders to find `@duckdb/node-api` in when it is not beside evalgate (the Action: the workspace). */
  duckDbSearchDirs?: readonly string[];
  /** The Action reads the baseline branch through the API. */
  github?: { octokit: OctokitLike; owner: string; repo: string };
}

export interface DriftCheck {
  report: DriftReport;
  coverage?: CoverageReport;
  /** The report (and coverage) as Markdown: escaped, ready for a file or the step summary. */
  markdown: string;
  /** Which engine read the records. */
  engine: DriftEngine['kind'];
}

export async function runDriftCheck(options: DriftCheckOptions): Promise<DriftCheck> {
  const configPath = resolve(options.cwd, options.config);
  // The policy first: without one, nothing is read.
  const policy = loadProductionPolicy(configPath);
  const config = DriftConfigSchema.parse(policy.drift ?? {});
  const current = windowFiles(options.cwd, '--current', options.current);
  const fromBaseline = options.reference.length === 1 && options.reference[0] === BASELINE_REFERENCE;
  const reference = fromBaseline ? [] : windowFiles(options.cwd, '--reference', options.reference);
  // The suites (and baselines) are loaded before any record is read: a broken suite stops the check early.
  const project = options.coverage || fromBaseline ? loadProject(configPath) : undefined;
  const baselines = fromBaseline ? await loadBaselinesOf(project!, options) : undefined;
  const engine = await chooseEngine(options.engine ?? 'auto', [...current, ...reference], options);
  const counter = new CoverageCounter();
  const onRecord: OnRecord = (r, window) => {
    if (window === 'current') counter.add(r);
  };
  const report = baselines
    ? await driftAgainstBaseline(current, project!.suites, baselines, config, onRecord, engine)
    : await driftOfFiles(current, reference, config, onRecord, engine);
  const coverage = options.coverage
    ? counter.report(
        project!.suites.flatMap((s) => s.cases),
        config.coverage,
      )
    : undefined;
  let markdown = driftMarkdown(report);
  if (coverage) markdown += `\n${coverageMarkdown(coverage)}`;
  return { report, ...(coverage && { coverage }), markdown, engine: engine.kind };
}

/**
 * The files of a window: local globs expanded (one that matches nothing is an error), remote
 * locations (s3://bucket/day=*\/*.parquet) kept exactly as written for DuckDB to list.
 */
export function windowFiles(cwd: string, flag: string, patterns: readonly string[]): string[] {
  if (!patterns.length) throw new UsageError(`drift needs ${flag} GLOB: the records files of that window`);
  return expandFlagGlobs(cwd, patterns, flag, isRemote);
}

const INSTALL_DUCKDB = 'npm install @duckdb/node-api';

async function chooseEngine(
  name: string,
  files: readonly string[],
  options: Pick<DriftCheckOptions, 'env' | 'duckDbSearchDirs'>,
): Promise<DriftEngine> {
  if (name !== 'auto' && name !== 'duckdb' && name !== 'stream')
    throw new UsageError(`--engine must be auto, duckdb or stream, not '${name}'`);
  const needs = files.find((f) => isParquet(f) || isRemote(f));
  const what =
    needs && (isRemote(needs) ? `records in object storage (${needs})` : `Parquet records (${needs})`);
  if (name === 'stream') {
    if (what)
      throw new UsageError(
        `${what} need the DuckDB engine, not --engine stream: ${INSTALL_DUCKDB}, then --engine auto or duckdb`,
      );
    return { kind: 'stream' };
  }
  const module = await loadDuckDb(options.duckDbSearchDirs);
  if (module) return { kind: 'duckdb', module, env: options.env };
  if (name === 'duckdb')
    throw new UsageError(`--engine duckdb: @duckdb/node-api is not installed (${INSTALL_DUCKDB})`);
  if (what)
    throw new UsageError(
      `${what} need the DuckDB engine, and @duckdb/node-api is not installed: ${INSTALL_DUCKDB} (the streaming reader reads local JSONL and .jsonl.gz only)`,
    );
  return { kind: 'stream' };
}

/** The saved baselines of the project's regression suites (none for the `rerun` store). */
async function loadBaselinesOf(
  project: LoadedProject,
  options: Pick<DriftCheckOptions, 'env' | 'github'>,
): Promise<Map<string, Baseline>> {
  const store = openBaselineStore(project.config.baseline, {
    rootDir: project.rootDir,
    env: options.env,
    ...(options.github && { github: options.github }),
  });
  if (!store) return new Map();
  const ids = project.suites.filter((s) => s.kind === 'regression').map((s) => s.id);
  try {
    return await store.load(ids);
  } catch (e) {
    throw new ConfigError(`cannot read the eval baseline: ${(e as Error).message}`, {
      file: project.configPath,
      field: 'baseline',
    });
  }
}
