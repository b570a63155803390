import type { ResultsDocument } from '../results/types.js';
import type { Baseline, Fingerprint } from './types.js';

/** What a Results document cannot say about a suite, supplied by whoever knows it. */
export interface FingerprintExtras {
  /** SHA-256 of the suite's grader specs (see `graderSpecHash`). */
  graderSpecHash?: string;
  judge?: { model: string; version?: string };
}

/** The fingerprint of one suite's results in a Results document. */
export function fingerprintSuite(
  results: ResultsDocument,
  suiteId: string,
  extras: FingerprintExtras = {},
): Fingerprint {
  const suite = results.suites.find((s) => s.id === suiteId);
  if (!suite) throw new Error(`fingerprintSuite: no suite '${suiteId}' in the Results document`);
  const target = results.run.targets[suite.target];
  const graderNames = new Set<string>();
  for (const c of suite.cases)
    for (const s of c.samples) for (const g of s.graders) graderNames.add(g.grader);
  return {
    suite: { id: suite.id, contentHash: suite.contentHash, caseIds: suite.cases.map((c) => c.id).sort() },
    target: {
      name: suite.target,
      kind: target?.kind ?? 'unknown',
      ...(target?.model !== undefined && { model: target.model }),
      ...(target?.systemVersion !== undefined && { systemVersion: target.systemVersion }),
      components: Object.fromEntries(
        Object.entries(results.run.components)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([name, c]) => [name, c.version]),
      ),
    },
    ...(extras.judge && { judge: extras.judge }),
    graders: {
      names: [...graderNames].sort(),
      ...(extras.graderSpecHash !== undefined && { specHash: extras.graderSpecHash }),
    },
    evalgateVersion: results.run.evalgateVersion,
    ...(results.run.gitSha !== undefined && { commit: results.run.gitSha }),
    ...(results.run.gitRef !== undefined && { ref: results.run.gitRef }),
    recordedAt: results.run.finishedAt,
  };
}

export interface FingerprintDiff {
  /** One human line per difference, baseline → current. */
  reasons: string[];
  /** False when the suite's content differs: the two runs asked different questions. */
  comparable: boolean;
}

/**
 * Every difference between the fingerprints of a baseline and of the current run. Only a
 * change of suite content makes them not comparable; everything else is what the comparison
 * measures (a new model, a new prompt) or context the reader should see (a new evalgate).
 */
export function fingerprintDiff(baseline: Fingerprint, current: Fingerprint): FingerprintDiff {
  const reasons: string[] = [];
  const comparable = baseline.suite.contentHash === current.suite.contentHash;
  if (!comparable) reasons.push('suite content changed: not comparable');
  const b = baseline.target;
  const c = current.target;
  if (b.name !== c.name) reasons.push(`target changed: ${b.name} → ${c.name}`);
  if (b.kind !== c.kind) reasons.push(`target kind changed: ${b.kind} → ${c.kind}`);
  if ((b.model ?? '') !== (c.model ?? ''))
    reasons.push(`target model changed: ${b.model ?? '(none)'} → ${c.model ?? '(none)'}`);
  if ((b.systemVersion ?? '') !== (c.systemVersion ?? '')) {
    reasons.push(
      `target system version changed: ${b.systemVersion ?? '(none)'} → ${c.systemVersion ?? '(none)'}`,
    );
    // The system version combines the target's components: when it is equal, component
    // changes elsewhere in the project do not concern this suite and would only be noise.
    const names = [...new Set([...Object.keys(b.components), ...Object.keys(c.components)])].sort();
    for (const name of names) {
      const x = b.components[name];
      const y = c.components[name];
      if (x === y) continue;
      reasons.push(`component ${name} changed: ${x ?? '(none)'} → ${y ?? '(none)'}`);
    }
  }
  const bj = baseline.judge;
  const cj = current.judge;
  if ((bj?.model ?? '') !== (cj?.model ?? ''))
    reasons.push(`judge model changed: ${bj?.model ?? '(none)'} → ${cj?.model ?? '(none)'}`);
  else if ((bj?.version ?? '') !== (cj?.version ?? ''))
    reasons.push(`judge version changed: ${bj?.version ?? '(none)'} → ${cj?.version ?? '(none)'}`);
  const bn = baseline.graders.names.join(', ');
  const cn = current.graders.names.join(', ');
  if (bn !== cn) reasons.push(`graders changed: ${bn || '(none)'} → ${cn || '(none)'}`);
  const bs = baseline.graders.specHash;
  const cs = current.graders.specHash;
  if (bs !== undefined && cs !== undefined && bs !== cs)
    reasons.push(`grader specs changed: ${bs.slice(0, 12)} → ${cs.slice(0, 12)}`);
  if (baseline.evalgateVersion !== current.evalgateVersion)
    reasons.push(`evalgate ${baseline.evalgateVersion} → ${current.evalgateVersion}`);
  return { reasons, comparable };
}

export interface Staleness {
  suite: string;
  cases: {
    /** Case ids in both the baseline and the current run: the ones compared. */
    both: string[];
    /** In the current run only. */
    added: string[];
    /** In the baseline only. */
    removed: string[];
  };
  /** How long before the current run the baseline was recorded; null when a time is unreadable. */
  age: { ms: number; days: number; text: string } | null;
  baselineCommit?: string;
  differences: string[];
  comparable: boolean;
}

/**
 * What a reader must know before trusting a comparison with this baseline: which cases pair
 * up, how old the baseline is, and everything that changed since. Nothing here is hidden
 * from the PR comment.
 */
export function describeStaleness(
  baseline: Baseline,
  current: ResultsDocument,
  extras: FingerprintExtras = {},
): Staleness {
  const suite = current.suites.find((s) => s.id === baseline.suite);
  if (!suite) throw new Error(`describeStaleness: no suite '${baseline.suite}' in the current results`);
  const fp = fingerprintSuite(current, suite.id, extras);
  const diff = fingerprintDiff(baseline.fingerprint, fp);
  const before = new Set(baseline.fingerprint.suite.caseIds);
  const now = new Set(fp.suite.caseIds);
  const ms = Date.parse(current.run.finishedAt) - Date.parse(baseline.fingerprint.recordedAt);
  return {
    suite: suite.id,
    cases: {
      both: fp.suite.caseIds.filter((id) => before.has(id)),
      added: fp.suite.caseIds.filter((id) => !before.has(id)),
      removed: baseline.fingerprint.suite.caseIds.filter((id) => !now.has(id)),
    },
    age: Number.isNaN(ms) ? null : { ms, days: ms / 86_400_000, text: formatAge(ms) },
    ...(baseline.fingerprint.commit !== undefined && { baselineCommit: baseline.fingerprint.commit }),
    differences: diff.reasons,
    comparable: diff.comparable,
  };
}

/**
 * The per-suite inputs `compare()` takes from the baseline store: fingerprint differences
 * listed with each suite's changes, and suites that must not be compared at all.
 */
export function compareInputs(
  baselines: ReadonlyMap<string, Baseline>,
  current: ResultsDocument,
  extras: Record<string, FingerprintExtras> = {},
): {
  fingerprintDiffs: Record<string, string[]>;
  notComparable: Record<string, string[]>;
  staleness: Record<string, Staleness>;
} {
  const fingerprintDiffs: Record<string, string[]> = {};
  const notComparable: Record<string, string[]> = {};
  const staleness: Record<string, Staleness> = {};
  for (const suite of current.suites) {
    const baseline = baselines.get(suite.id);
    if (!baseline) continue;
    const s = describeStaleness(baseline, current, extras[suite.id]);
    staleness[suite.id] = s;
    const age = s.age ? [`baseline recorded ${s.age.text} before this run`] : [];
    const cases = [
      ...(s.cases.added.length ? [`${s.cases.added.length} case(s) not in the baseline`] : []),
      ...(s.cases.removed.length
        ? [`${s.cases.removed.length} baseline case(s) no longer in the suite`]
        : []),
    ];
    // A content change is compare's to judge: it pairs the unchanged cases by their
    // per-case hashes (or, for a baseline without them, falls back to the suite contentHash).
    fingerprintDiffs[suite.id] = [
      ...s.differences.filter((r) => !r.startsWith('suite content changed')),
      ...cases,
      ...age,
    ];
  }
  return { fingerprintDiffs, notComparable, staleness };
}

export function formatAge(ms: number): string {
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs < 60_000) return `${sign}${Math.round(abs / 1000)}s`;
  if (abs < 3_600_000) return `${sign}${Math.round(abs / 60_000)}m`;
  if (abs < 86_400_000) return `${sign}${Math.round(abs / 3_600_000)}h`;
  return `${sign}${Math.round(abs / 86_400_000)}d`;
}
