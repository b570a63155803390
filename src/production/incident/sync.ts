import { UsageError } from '../../config/errors.js';
import type { IncidentGitHub, IncidentIssue } from './github.js';
import {
  closeComment,
  duplicateComment,
  evidenceDigest,
  issueBody,
  issueTitle,
  parseMarker,
  updateComment,
  type RunContext,
} from './render.js';
import type { IncidentSignal } from './signal.js';

/** The label every incident issue carries: the listing that finds them again. */
export const DEFAULT_INCIDENT_LABEL = 'evalgate-incident';

export interface SyncOptions extends RunContext {
  label?: string;
  /**
   * Called after a run found no issue and before it creates one: a seam for tests that hold
   * two runs there, so both create (the race the re-listing below resolves).
   */
  beforeCreate?: () => Promise<void>;
}

export type SyncAction =
  /** Nothing crosses and no incident is open. */
  | 'none'
  /** A new issue. */
  | 'opened'
  /** A timeline entry on the open issue. */
  | 'updated'
  /** The open issue's last entry already says what this run saw. */
  | 'unchanged'
  /** Recovered: closing comment, closed as completed. */
  | 'closed';

export interface SyncOutcome {
  action: SyncAction;
  fingerprint: string;
  /** The incident's issue (absent for `none`). */
  issue?: { number: number; url: string };
  /** Issues of this incident closed as duplicates of it by this run. */
  duplicatesClosed: number[];
}

/**
 * Opens, updates or closes the one issue of an incident.
 *
 * GitHub has no create-if-absent, so two checks running at once can both find no issue and
 * both create one. The rule that makes that harmless: the incident's issue is the OPEN issue
 * with its fingerprint marker and the LOWEST number. A run that created an issue lists again;
 * when an older one exists, it closes its own as a duplicate of it ("Duplicate of #N", state
 * reason `duplicate`) and adds its entry there instead. Every run that finds more than one
 * open issue of the incident closes all but the lowest the same way, so a run that died
 * between creating and re-listing is cleaned up by the next. All runs agree on the lowest
 * number, so they never close each other's survivor; at worst a duplicate lives until the
 * next check.
 *
 * Timeline: a run whose evidence differs from the last entry (body or comment) adds a
 * comment; an identical one adds nothing. Closing: when nothing crosses, the issue closes
 * once every metric that ever crossed in it (from the markers of its body and comments) is
 * confidently back within its trigger; a metric only "not known yet" keeps it open.
 */
export async function syncIncident(
  gh: IncidentGitHub,
  signal: IncidentSignal,
  options: SyncOptions,
): Promise<SyncOutcome> {
  const label = options.label ?? DEFAULT_INCIDENT_LABEL;
  const fp = signal.fingerprint;
  const mine = async (): Promise<IncidentIssue[]> =>
    (await gh.listOpenIssues(label))
      .filter((i) => parseMarker(i.body)?.fingerprint === fp)
      .sort((a, b) => a.number - b.number);
  const outcome = (
    action: SyncAction,
    issue?: IncidentIssue,
    duplicatesClosed: number[] = [],
  ): SyncOutcome => ({
    action,
    fingerprint: fp,
    ...(issue && { issue: { number: issue.number, url: issue.htmlUrl } }),
    duplicatesClosed,
  });

  let open = await mine();
  if (open.length === 0) {
    if (signal.crossing.length === 0) return outcome('none');
    await options.beforeCreate?.();
    const created = await gh.createIssue({
      title: issueTitle(signal),
      body: issueBody(signal, options),
      labels: [label],
    });
    if (!created.labels.includes(label)) {
      // GitHub drops labels a token may not set: such an issue could never be found again, and
      // every check would open another. Fail here, once, with what to change.
      throw new UsageError(
        `GitHub opened #${created.number} without the label '${label}' (the token may not set labels): the incident could not be found again by later checks; give the workflow 'permissions: issues: write'`,
      );
    }
    open = await mine();
    // Our own issue may not be listed yet (GitHub's listing can lag a write): it still counts.
    if (!open.some((i) => i.number === created.number))
      open = [...open, created].sort((a, b) => a.number - b.number);
    if (open[0]!.number === created.number) return outcome('opened', created);
  }

  const [canonical, ...extra] = open as [IncidentIssue, ...IncidentIssue[]];
  const closed: number[] = [];
  for (const dup of extra) {
    await gh.createIssueComment(dup.number, duplicateComment(canonical.number));
    await gh.closeIssue(dup.number, 'duplicate');
    closed.push(dup.number);
  }

  // Only evalgate's own entries count: the comments by the account that opened the issue. A
  // marker anyone else pastes into a comment could otherwise hold the incident open for ever.
  const comments = (await gh.listIssueComments(canonical.number)).filter(
    (c) => canonical.authorLogin !== null && c.userLogin === canonical.authorLogin,
  );
  const history = [parseMarker(canonical.body), ...comments.map((c) => parseMarker(c.body))].filter(
    (m) => m !== undefined && m.fingerprint === fp,
  );
  const last = history.at(-1);
  const everCrossed = [...new Set(history.flatMap((m) => m!.crossing))];

  if (signal.crossing.length === 0 && everCrossed.every((m) => signal.recovered.includes(m))) {
    await gh.createIssueComment(canonical.number, closeComment(signal, options, everCrossed));
    await gh.closeIssue(canonical.number, 'completed');
    return outcome('closed', canonical, closed);
  }
  if (last && last.digest === evidenceDigest(signal)) return outcome('unchanged', canonical, closed);
  await gh.createIssueComment(canonical.number, updateComment(signal, options, last?.crossing ?? []));
  return outcome('updated', canonical, closed);
}
