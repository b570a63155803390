import { resolve } from 'node:path';
import { createIncidentGitHub } from '../production/incident/github.js';
import { addIncidentCase, syncIncidentFromReport } from '../production/incident/respond.js';
import { terminalText } from '../report/escape.js';
import { expandGlob } from '../util/glob.js';
import { InputError } from './context.js';
import { setOutputs, workdir } from './job.js';
import type { ActionContext } from './types.js';

/**
 * `mode: incident`, for a scheduled production job: the respond stage of the production
 * loop, as `evalgate incident` runs it (src/production/incident/respond.ts).
 *
 * - `incident-report`: the canary decision or drift report an earlier step wrote; the
 *   incident's issue is opened, updated or closed. Needs `issues: write`.
 * - `add-case-record` (with `add-case-suite`, `add-case-records`): a pull request adding the
 *   record's regression case. Needs `contents: write` and `pull-requests: write`.
 *
 * Outputs: `incident-action` (none, opened, updated, unchanged, closed), `incident-issue`,
 * `incident-url`, `case-pull-request-url`.
 */
export async function incidentMode(ctx: ActionContext): Promise<void> {
  const inputs = ctx.inputs.incident;
  if (!inputs) throw new InputError("mode: incident needs 'incident-report' or 'add-case-record'");
  if (!ctx.github)
    throw new InputError(
      'mode: incident writes issues and pull requests: it needs `github-token` and GITHUB_REPOSITORY',
    );
  const gh = createIncidentGitHub(ctx.github.octokit, ctx.repo);
  const dir = workdir(ctx);
  let incidentUrl: string | undefined;

  if (inputs.report) {
    const scope: Record<string, string> = {};
    for (const entry of inputs.scope) {
      const eq = entry.indexOf('=');
      if (eq <= 0) throw new InputError(`input 'incident-scope' takes ROLE=ID entries, got '${entry}'`);
      scope[entry.slice(0, eq)] = entry.slice(eq + 1);
    }
    const { signal, outcome } = await syncIncidentFromReport(gh, resolve(dir, inputs.report), scope, {
      at: new Date().toISOString(),
      ...(ctx.runUrl && { runUrl: ctx.runUrl }),
      ...(inputs.label && { label: inputs.label }),
    });
    incidentUrl = outcome.issue?.url;
    ctx.io.info(
      terminalText(
        `evalgate: incident ${outcome.fingerprint} (${signal.kind}): ${outcome.action}${outcome.issue ? ` #${outcome.issue.number} ${outcome.issue.url}` : ''}${
          signal.crossing.length ? `; crossing: ${signal.crossing.join(', ')}` : ''
        }`,
      ),
    );
    setOutputs(ctx, {
      'incident-action': outcome.action,
      'incident-issue': outcome.issue ? String(outcome.issue.number) : '',
      'incident-url': outcome.issue?.url ?? '',
    });
  }

  if (inputs.addCase) {
    const add = inputs.addCase;
    const recordFiles = add.records.flatMap((pattern) => expandGlob(dir, pattern));
    if (recordFiles.length === 0)
      throw new InputError(`input 'add-case-records' (${add.records.join(' ')}) matches no file`);
    const result = await addIncidentCase({
      configPath: resolve(dir, ctx.inputs.config),
      suiteFile: resolve(dir, add.suite),
      recordFiles: [...new Set(recordFiles)],
      recordId: add.record,
      options: {
        ...(add.expect !== undefined && { expect: add.expect }),
        ...(add.refusal !== undefined && { refusal: add.refusal }),
      },
      env: ctx.env,
      pullRequest: { gh, ...(incidentUrl && { incidentUrl }) },
    });
    const pull = result.pull!;
    ctx.io.info(
      terminalText(
        pull.status === 'in-suite'
          ? `evalgate: case ${result.built.id} is already in ${result.repoPath} on ${pull.base}`
          : `evalgate: case ${result.built.id}: pull request #${pull.pull!.number} ${pull.status === 'opened' ? 'opened' : 'already open'}: ${pull.pull!.url}`,
      ),
    );
    setOutputs(ctx, { 'case-pull-request-url': pull.pull?.url ?? '' });
  }
}
