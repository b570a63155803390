import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { UsageError } from '../../config/errors.js';
import { describeGitHubError } from '../../github/index.js';
import { checkPromotedSuite } from '../../review/check.js';
import { KeyedHasher, MIN_KEY_LENGTH } from '../hash.js';
import { loadProductionPolicy } from '../policy.js';
import {
  buildIncidentCase,
  findRecord,
  incidentCaseId,
  suiteHasCase,
  type IncidentCase,
  type IncidentCaseOptions,
} from './case.js';
import type { CasePullRequestGitHub, IncidentGitHub } from './github.js';
import { openCasePullRequest, type CasePullRequestOutcome } from './pull.js';
import { signalOf, type IncidentSignal } from './signal.js';
import { syncIncident, type SyncOptions, type SyncOutcome } from './sync.js';

/**
 * The respond stage composed once, for the CLI (`evalgate incident`) and the Action's
 * `incident` mode: a drift or canary report → the incident's issue; a production record →
 * a regression case in the suite, written in place or proposed as a pull request.
 */

/** Reads a report file and syncs its incident. */
export async function syncIncidentFromReport(
  gh: IncidentGitHub,
  reportFile: string,
  scope: Record<string, string>,
  options: SyncOptions,
): Promise<{ signal: IncidentSignal; outcome: SyncOutcome }> {
  const signal = readSignal(reportFile, scope);
  try {
    return { signal, outcome: await syncIncident(gh, signal, options) };
  } catch (e) {
    throw githubFailure(e);
  }
}

export function readSignal(reportFile: string, scope: Record<string, string>): IncidentSignal {
  let text: string;
  try {
    text = readFileSync(reportFile, 'utf8');
  } catch (e) {
    throw new UsageError(
      `cannot read the report ${reportFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
    );
  }
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    throw new UsageError(
      `${reportFile} is not JSON: write the report with 'evalgate canary --json' or 'evalgate drift --json'`,
    );
  }
  return signalOf(report, reportFile, scope);
}

export interface AddCaseRequest {
  configPath: string;
  suiteFile: string;
  recordFiles: string[];
  recordId: string;
  options: Omit<IncidentCaseOptions, 'hasher'>;
  env: Record<string, string | undefined>;
  /** Open a pull request instead of writing the suite file. */
  pullRequest?: { gh: CasePullRequestGitHub; base?: string; incidentUrl?: string };
}

export interface AddCaseResult {
  built: IncidentCase;
  /** The suite file was written (without `pullRequest`). */
  written: boolean;
  /** The local suite already has a case with this id: nothing written. */
  alreadyInSuite?: boolean;
  pull?: CasePullRequestOutcome;
  /** The suite path in the repository (with `pullRequest`). */
  repoPath?: string;
}

/**
 * The case for the record, validated as `evalgate validate` would validate the suite with it
 * (nothing written on any error), then written to the suite file or proposed as a pull
 * request built on the base branch's copy of the suite.
 */
export async function addIncidentCase(req: AddCaseRequest): Promise<AddCaseResult> {
  const policy = loadProductionPolicy(req.configPath);
  const record = await findRecord(req.recordFiles, req.recordId);
  const key = req.env[policy.hashKeyEnv];
  const options: IncidentCaseOptions = {
    ...req.options,
    ...(key && key.length >= MIN_KEY_LENGTH && { hasher: new KeyedHasher(key) }),
  };
  const build = async (suiteText: string): Promise<IncidentCase> => {
    const built = buildIncidentCase(record, policy, suiteText, options);
    const invalid = await checkPromotedSuite(
      req.suiteFile,
      built.text,
      existsSync(req.configPath) ? req.configPath : undefined,
      req.env,
    );
    if (invalid) throw invalid;
    return built;
  };
  if (!req.pullRequest) {
    let local: string;
    try {
      local = readFileSync(req.suiteFile, 'utf8');
    } catch (e) {
      throw new UsageError(
        `cannot read the suite ${req.suiteFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      );
    }
    if (suiteHasCase(local, incidentCaseId(record))) {
      const built = buildIncidentCase(record, policy, local, options);
      return { built, written: false, alreadyInSuite: true };
    }
    const built = await build(local);
    writeFileSync(req.suiteFile, built.text);
    return { built, written: true };
  }
  const { gh, base, incidentUrl } = req.pullRequest;
  const repoPath = repositoryPath(req.suiteFile);
  let built: IncidentCase | undefined;
  // The id does not depend on the suite text: known before the base is read.
  const probe = buildIncidentCase(record, policy, readFileOr(req.suiteFile, 'cases: []\n'), options);
  try {
    const pull = await openCasePullRequest(gh, {
      suitePath: repoPath,
      caseId: probe.id,
      build: async (text) => (built = await build(text)).text,
      title: `Regression case from a production incident: ${probe.id}`,
      body: pullBody(probe, repoPath, incidentUrl),
      ...(base && { base }),
    });
    return { built: built ?? probe, written: false, pull, repoPath };
  } catch (e) {
    throw githubFailure(e);
  }
}

function pullBody(c: IncidentCase, repoPath: string, incidentUrl?: string): string {
  const graders = (c.case.graders as { type: string }[]).map((g) => `\`${g.type}\``).join(', ');
  return [
    `Adds the regression case \`${c.id}\` to \`${repoPath}\`, made by \`evalgate incident add-case\` from a production record${incidentUrl ? ` of ${incidentUrl}` : ''}.`,
    '',
    `- tagged \`source: production-incident\`${c.case.blocker ? ', a **blocker**: the fixed system must pass it in every run' : ''};`,
    `- graded by ${graders} (no judge), so it fails on the output that caused the incident and passes on a fixed one;`,
    `- input ${c.inputFrom === 'record' ? "from the record's retained text" : 'given by the on-call'}, redacted${
      Object.keys(c.redactions).length
        ? ` (${Object.entries(c.redactions)
            .map(([k, n]) => `${n} ${k}`)
            .join(', ')})`
        : ''
    } and scanned by the policy's detectors.`,
    '',
  ].join('\n');
}

function readFileOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/** The file's path from the root of its git checkout (the nearest folder holding `.git`). */
export function repositoryPath(file: string): string {
  const abs = resolve(file);
  for (let dir = dirname(abs); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return relative(dir, abs).split(sep).join('/');
    if (dirname(dir) === dir) break;
  }
  throw new UsageError(`${file} is not in a git checkout: the pull request needs its path in the repository`);
}

function githubFailure(e: unknown): unknown {
  if (typeof (e as { status?: unknown })?.status === 'number' || (e as Error)?.name === 'HttpError')
    return new UsageError(describeGitHubError(e).message);
  return e;
}
