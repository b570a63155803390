import { createHash } from 'node:crypto';
import { escapeMarkdown, inlineCode } from '../../report/escape.js';
import type { IncidentMetric, IncidentSignal } from './signal.js';

/**
 * The incident issue, its timeline entries and its closing words, as Markdown, from the
 * model-quality incident template: the body's sections are exactly "What degraded", "Since
 * when", "Version ids", "Evidence", "Mitigation", "Communication" and "Follow-up" (the incident
 * log template `evalgate docs` writes uses the same headings).
 *
 * Each text evalgate writes carries a hidden marker naming the incident's fingerprint, the
 * metrics crossing at that run and a digest of its evidence: the issue is found again by its
 * marker, a run whose evidence equals the last entry's adds nothing, and closing checks every
 * metric that ever crossed. Version ids, metric values and reasons come from report files:
 * all escaped; marker fields are checked names and hex.
 */

export const INCIDENT_SECTIONS = [
  'What degraded',
  'Since when',
  'Version ids',
  'Evidence',
  'Mitigation',
  'Communication',
  'Follow-up',
] as const;

export interface IncidentMarker {
  /** `open` in the issue body, `update` in a timeline comment, `close` in the closing comment. */
  role: 'open' | 'update' | 'close';
  fingerprint: string;
  crossing: string[];
  digest: string;
}

const MARKER =
  /<!-- evalgate-incident:v1 role=(open|update|close) fingerprint=([0-9a-f]{16}) crossing=([A-Za-z0-9_.:,-]*) digest=([0-9a-f]{16}) -->/;

export function marker(m: IncidentMarker): string {
  return `<!-- evalgate-incident:v1 role=${m.role} fingerprint=${m.fingerprint} crossing=${m.crossing.join(',')} digest=${m.digest} -->`;
}

/** The marker in a body or comment evalgate wrote; undefined in anything else. */
export function parseMarker(text: string | null | undefined): IncidentMarker | undefined {
  const found = MARKER.exec(text ?? '');
  if (!found) return undefined;
  return {
    role: found[1] as IncidentMarker['role'],
    fingerprint: found[2]!,
    crossing: found[3] ? found[3].split(',') : [],
    digest: found[4]!,
  };
}

/** A digest of what a run saw: equal digests mean a new entry would repeat the last one. */
export function evidenceDigest(signal: IncidentSignal): string {
  const rows = signal.metrics.map((m) => [m.name, m.state, m.reference, m.current, m.effect, m.records]);
  return createHash('sha256')
    .update(JSON.stringify([signal.crossing, rows]))
    .digest('hex')
    .slice(0, 16);
}

const CHECK: Record<IncidentSignal['kind'], string> = {
  canary: 'canary analysis (`evalgate canary`)',
  drift: 'production drift (`evalgate drift`)',
};

const STATE: Record<IncidentMetric['state'], string> = {
  crossing: '🔴 crossing its trigger',
  recovered: '✅ within its trigger',
  unknown: '⏳ not known yet',
};

function scopeText(signal: IncidentSignal): string {
  const s = signal.scope;
  if (signal.kind === 'canary')
    return `canary ${inlineCode(s.canary)} against control ${inlineCode(s.control)}`;
  const ids = Object.entries(s).map(([role, id]) => `${role} ${inlineCode(id)}`);
  return ids.length ? ids.join(', ') : 'production (no version id named: give `--scope system=ID`)';
}

function names(list: readonly string[]): string {
  return list.map((n) => inlineCode(n)).join(', ');
}

export function issueTitle(signal: IncidentSignal): string {
  const what = signal.crossing.join(', ');
  const where =
    signal.kind === 'canary'
      ? `canary ${signal.scope.canary} vs ${signal.scope.control}`
      : Object.values(signal.scope).join(', ') || 'production';
  // A title is plain text on GitHub; still, keep it one bounded line.
  return `Model-quality incident: ${signal.kind} on ${what} (${where})`.replace(/\s+/g, ' ').slice(0, 240);
}

/** The evidence table of one run: every monitored metric, crossing ones first. */
export function evidenceTable(signal: IncidentSignal): string {
  const order = { crossing: 0, unknown: 1, recovered: 2 };
  const rows = [...signal.metrics].sort((a, b) => order[a.state] - order[b.state]);
  const reference = signal.kind === 'canary' ? 'Control' : 'Reference window';
  const current = signal.kind === 'canary' ? 'Canary' : 'Current window';
  const records = signal.kind === 'canary' ? 'Records (canary / control)' : 'Records (current / reference)';
  return [
    `| Metric | State | ${reference} | ${current} | Effect | Tolerated | ${records} |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (m) =>
        `| ${inlineCode(m.name, { table: true })}${m.name.startsWith('onlineGraders.') ? ' (failure rate)' : ''} | ${STATE[m.state]} | ${escapeMarkdown(m.reference)} | ${escapeMarkdown(m.current)} | ${escapeMarkdown(m.effect)} | ${escapeMarkdown(m.threshold)} | ${escapeMarkdown(m.records)} |`,
    ),
  ].join('\n');
}

function reasonsList(signal: IncidentSignal): string[] {
  return signal.reasons.slice(0, 20).map((r) => `- ${escapeMarkdown(r, { maxLength: 500 })}`);
}

export interface RunContext {
  /** When this run looked: ISO 8601. */
  at: string;
  /** The workflow run's page, when in GitHub Actions. */
  runUrl?: string;
}

function runLine(signal: IncidentSignal, run: RunContext): string {
  const look = signal.look !== undefined ? `, look ${signal.look}` : '';
  const link = run.runUrl ? ` ([run](${encodeURI(run.runUrl)}))` : '';
  return `${escapeMarkdown(run.at)}${look}, ${signal.records} records${link}`;
}

export function issueBody(signal: IncidentSignal, run: RunContext): string {
  const s = signal;
  const mitigation =
    s.kind === 'canary'
      ? [
          `- [ ] Roll back: send all traffic to control ${inlineCode(s.scope.control)} and stop canary ${inlineCode(s.scope.canary)}.`,
          '- [ ] Confirm the metrics recover on the next checks (this issue closes itself when every metric that crossed is back within its trigger).',
        ]
      : [
          '- [ ] Find what changed: deploys, prompt, model or retrieval versions, traffic mix (route, language).',
          '- [ ] Roll back the change, or accept the new distribution and take a new reference window.',
        ];
  return [
    marker({ role: 'open', fingerprint: s.fingerprint, crossing: s.crossing, digest: evidenceDigest(s) }),
    `_Opened by evalgate's ${CHECK[s.kind]}. Later checks add to the timeline below as comments; a check in which every metric that crossed is back within its trigger closes this issue._`,
    '',
    '## What degraded',
    '',
    `${names(s.crossing)} crossed ${s.crossing.length === 1 ? 'its trigger' : 'their triggers'} for ${scopeText(s)}.`,
    ...(s.reasons.length ? ['', ...reasonsList(s)] : []),
    '',
    '## Since when',
    '',
    `First detected ${runLine(s, run)}. The incident began at or before this check: see the records of the window before it.`,
    '',
    '## Version ids',
    '',
    '| Role | Version id |',
    '| --- | --- |',
    ...(Object.keys(s.scope).length
      ? Object.entries(s.scope).map(
          ([role, id]) => `| ${escapeMarkdown(role)} | ${inlineCode(id, { table: true })} |`,
        )
      : ['| system | (not named in the report: `evalgate incident sync --scope system=ID`) |']),
    '',
    `Incident fingerprint: ${inlineCode(s.fingerprint)} (${s.kind}, these version ids, monitored: ${names(s.monitored)}).`,
    '',
    '## Evidence',
    '',
    evidenceTable(s),
    '',
    '## Mitigation',
    '',
    ...mitigation,
    '',
    '## Communication',
    '',
    '- [ ] Tell the owners of the affected routes and the on-call channel what degraded and since when.',
    '- [ ] If users saw wrong, unsafe or leaked output: follow the disclosure process; say what was affected, never quote user data.',
    '- [ ] Post the resolution here when the metrics recover.',
    '',
    '## Follow-up',
    '',
    '- [ ] Every production failure becomes a regression case: `evalgate incident add-case --record ID --records GLOB --suite SUITE --pull-request` (redacted, PII-scanned, tagged `source: production-incident`, a blocker).',
    '- [ ] Find the cause and write it down here; add a trigger or a drift feature if this one came late.',
    '',
  ].join('\n');
}

/** A timeline entry: what this run saw. */
export function updateComment(signal: IncidentSignal, run: RunContext, previous: readonly string[]): string {
  const s = signal;
  const now = new Set(s.crossing);
  const joined = s.crossing.filter((m) => !previous.includes(m));
  const left = previous.filter((m) => !now.has(m));
  const lines = [
    marker({ role: 'update', fingerprint: s.fingerprint, crossing: s.crossing, digest: evidenceDigest(s) }),
    `### Check ${runLine(s, run)}`,
    '',
  ];
  if (s.crossing.length) lines.push(`Still crossing: ${names(s.crossing)}.`);
  else
    lines.push(
      'No metric crosses its trigger, but not every metric that crossed is confidently back within it yet.',
    );
  if (joined.length) lines.push(`Newly crossing: ${names(joined)}.`);
  if (left.length) lines.push(`No longer crossing: ${names(left)}.`);
  lines.push(...(s.reasons.length ? ['', ...reasonsList(s)] : []), '', evidenceTable(s), '');
  return lines.join('\n');
}

/** The closing entry: every metric that crossed is back within its trigger. */
export function closeComment(
  signal: IncidentSignal,
  run: RunContext,
  everCrossed: readonly string[],
): string {
  return [
    marker({ role: 'close', fingerprint: signal.fingerprint, crossing: [], digest: evidenceDigest(signal) }),
    `### Recovered: check ${runLine(signal, run)}`,
    '',
    `Every metric that crossed its trigger (${names(everCrossed)}) is back within it, with confidence. Closing as completed; a new crossing opens a new timeline on a new issue.`,
    '',
    evidenceTable(signal),
    '',
  ].join('\n');
}

export function duplicateComment(canonical: number): string {
  return `Duplicate of #${canonical}\n\nTwo evalgate checks opened an issue for the same incident at once; the older issue, #${canonical}, keeps the timeline.\n`;
}
