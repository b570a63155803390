import type { CheckRunConclusion, CheckRunInfo, ChecksApi } from '../github/api.js';
import { batchAnnotations, type Annotation } from '../report/check-run.js';

export interface CompletedCheck {
  conclusion: CheckRunConclusion;
  title: string;
  summary: string;
  text?: string;
  annotations: Annotation[];
}

/**
 * The check run's life: `in_progress` when the job starts, `completed` with the verdict at the
 * end, on the pull request's head sha (the commit branch protection looks at, not the merge
 * commit). A re-run of the job finds the check of the same name on that sha and reuses it, so
 * re-runs do not pile up copies.
 */
export async function startCheckRun(
  api: ChecksApi,
  options: { headSha: string; name: string; detailsUrl?: string; now?: () => Date },
): Promise<CheckRunInfo> {
  const startedAt = (options.now ?? (() => new Date()))().toISOString();
  const existing = (await api.listCheckRunsForRef(options.headSha, { checkName: options.name })).find(
    (c) => c.name === options.name,
  );
  const fields = {
    status: 'in_progress' as const,
    startedAt,
    output: { title: 'evalgate is running', summary: 'Running the affected suites…' },
    ...(options.detailsUrl && { detailsUrl: options.detailsUrl }),
  };
  if (existing) return api.updateCheckRun(existing.id, fields);
  return api.createCheckRun(options.headSha, { name: options.name, ...fields });
}

export async function completeCheckRun(
  api: ChecksApi,
  checkRunId: number,
  check: CompletedCheck,
  options: { now?: () => Date } = {},
): Promise<CheckRunInfo> {
  // GitHub takes at most 50 annotations a request and appends those of later updates.
  const batches = batchAnnotations(check.annotations);
  const output = {
    title: check.title,
    summary: check.summary,
    ...(check.text !== undefined && { text: check.text }),
  };
  // Annotations first, while the run is still in progress, then one final update that
  // completes it: branch protection never sees a completed check missing its annotations.
  for (const batch of batches.slice(0, -1)) {
    await api.updateCheckRun(checkRunId, { output: { ...output, annotations: batch } });
  }
  const last = batches.at(-1);
  return api.updateCheckRun(checkRunId, {
    status: 'completed',
    conclusion: check.conclusion,
    completedAt: (options.now ?? (() => new Date()))().toISOString(),
    output: { ...output, ...(last && { annotations: last }) },
  });
}
