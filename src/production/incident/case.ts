import { isMap, isSeq, parseDocument } from 'yaml';
import { UsageError } from '../../config/errors.js';
import { insertCases } from '../../review/promote.js';
import { readRecords } from '../drift/read.js';
import type { KeyedHasher } from '../hash.js';
import type { ProductionPolicy } from '../policy-schema.js';
import type { ProductionRecord } from '../record.js';
import { createRedactor } from '../redact/index.js';

/**
 * A production failure turned into a regression case: `evalgate incident add-case`.
 *
 * The case's input is the record's input text, which exists only when the policy kept it
 * (`production.retainText: true`, already redacted when recorded), or the text the on-call
 * gives with `--input-file` (redacted here by the same policy). Either way it is redacted once
 * more and every string the case would carry is scanned by the policy's detectors: a finding
 * is an error and nothing is written. The case is tagged `source: production-incident` and is
 * a blocker by default — the fixed system must pass it in every run from now on.
 *
 * Its graders are judge-free and say what the fixed system must do, so the case fails on the
 * output that caused the incident and passes on a fixed one: `--expect TEXT` (a `contains`
 * grader), `--refusal true|false` (the `refusal` grader), and the record's own safety events
 * (an event about personal data or credentials → the `pii` grader).
 */

export const INCIDENT_SOURCE_TAG = { key: 'source', value: 'production-incident' } as const;

/** Safety events (the application's own labels) that the `pii` grader checks. */
const PII_EVENT = /pii|personal|e-?mail|phone|card|iban|credential|api[-_ ]?key|secret/i;

/** `hmac-sha256:<hex>`, the hex alone, or a unique hex prefix of at least 8 digits. */
export function matchesRecordId(record: ProductionRecord, id: string): boolean {
  const requestId = record.requestId;
  if (!requestId) return false;
  const wanted = id
    .trim()
    .toLowerCase()
    .replace(/^hmac-sha256:/, '');
  const hex = requestId.replace(/^hmac-sha256:/, '');
  return hex === wanted || (wanted.length >= 8 && /^[0-9a-f]+$/.test(wanted) && hex.startsWith(wanted));
}

/** The one record with this id in the files; a UsageError when none or several match. */
export async function findRecord(files: readonly string[], id: string): Promise<ProductionRecord> {
  const found = new Map<string, ProductionRecord>();
  let withoutId = 0;
  for (const file of files)
    for await (const batch of readRecords([file]))
      for (const r of batch) {
        if (!r.requestId) withoutId++;
        else if (matchesRecordId(r, id) && !found.has(r.requestId)) found.set(r.requestId, r);
      }
  if (found.size === 1) return [...found.values()][0]!;
  const wanted = id
    .trim()
    .toLowerCase()
    .replace(/^hmac-sha256:/, '');
  if (found.size === 0 && /^[0-9a-f]{1,7}$/.test(wanted))
    throw new UsageError(
      `--record ${id}: give at least 8 hex digits of the request id (or all of it) to find one record`,
    );
  if (found.size > 1)
    throw new UsageError(`--record ${id} matches ${found.size} records: give more of the request id`);
  throw new UsageError(
    `no record with request id ${id} in ${files.length} file${files.length === 1 ? '' : 's'}${
      withoutId ? ` (${withoutId} records carry no request id: the policy must keep 'requestId')` : ''
    }`,
  );
}

export interface IncidentCaseOptions {
  /** Raw text the on-call supplies (`--input-file`); redacted here. Wins over the record's. */
  inputText?: string;
  /** What the fixed output must contain. */
  expect?: string;
  /** Whether the fixed system must refuse (true) or must answer (false). */
  refusal?: boolean;
  /** The case var that holds the input; default: the suite's one var name. */
  varName?: string;
  /** The incident, e.g. `#12`: kept as a tag. */
  incident?: string;
  /** Default true. */
  blocker?: boolean;
  /** Checks `inputText` against the record's keyed text hash when given. */
  hasher?: KeyedHasher;
}

export interface IncidentCase {
  id: string;
  case: Record<string, unknown>;
  /** The suite text with the case appended. */
  text: string;
  /** Values replaced in the input by kind. */
  redactions: Record<string, number>;
  /** Where the input came from. */
  inputFrom: 'record' | 'input-file';
}

export function incidentCaseId(record: ProductionRecord): string {
  return `incident-${(record.requestId ?? '').replace(/^hmac-sha256:/, '').slice(0, 12)}`;
}

export function buildIncidentCase(
  record: ProductionRecord,
  policy: ProductionPolicy,
  suiteText: string,
  options: IncidentCaseOptions = {},
): IncidentCase {
  const id = incidentCaseId(record);
  const redactor = createRedactor(policy.redaction);
  const redact = (text: string) => {
    let r = redactor.redact(text);
    for (let pass = 0; pass < 3 && redactor.find(blankPlaceholders(r.text)).length; pass++) {
      const again = redactor.redact(r.text);
      for (const [k, n] of Object.entries(again.counts)) r.counts[k] = (r.counts[k] ?? 0) + n;
      r = { text: again.text, counts: r.counts };
    }
    return r;
  };

  let raw: string;
  let inputFrom: IncidentCase['inputFrom'];
  if (options.inputText !== undefined) {
    const hash = record.input?.hash;
    if (hash && options.hasher && options.hasher.hash('text', options.inputText) !== hash)
      throw new UsageError(
        `the --input-file text is not the input of record ${id}: its keyed hash differs from the record's input.hash`,
      );
    raw = options.inputText;
    inputFrom = 'input-file';
  } else if (typeof record.input?.text === 'string') {
    raw = record.input.text;
    inputFrom = 'record';
  } else {
    throw new UsageError(
      `record ${id} carries no input text: ${
        policy.retainText
          ? 'it was written without it'
          : 'the policy does not retain text (production.retainText: false)'
      }, and a record without text keeps only keyed hashes and features. Give the input the on-call has with --input-file FILE: it is redacted and PII-scanned before it reaches the suite`,
    );
  }
  if (!raw.trim()) throw new UsageError(`the input of record ${id} is empty: nothing to test`);
  const input = redact(raw);

  const graders: Record<string, unknown>[] = [];
  if (options.expect !== undefined) {
    if (!options.expect.trim()) throw new UsageError('--expect is empty');
    graders.push({ type: 'contains', value: options.expect });
  }
  if (options.refusal !== undefined) graders.push({ type: 'refusal', expect: options.refusal });
  const piiEvents = (record.safetyEvents ?? []).filter((e) => PII_EVENT.test(e));
  if (piiEvents.length) graders.push({ type: 'pii' });
  if (graders.length === 0)
    throw new UsageError(
      `say what the fixed system must do for record ${id}: --expect TEXT (its answer must contain TEXT) or --refusal true|false; ${
        record.safetyEvents?.length
          ? `its safety events (${record.safetyEvents.join(', ')}) name no check evalgate can make without a judge`
          : 'it has no safety event about personal data to check'
      }`,
    );

  const varName = options.varName ?? suiteVarName(suiteText);
  const happened = [
    ...(record.safetyEvents?.length ? [`safety events ${record.safetyEvents.join(', ')}`] : []),
    ...(record.error ? [`error ${record.error.kind}`] : []),
    ...(record.refusal ? ['refused'] : []),
    ...(record.feedback?.rating === 'down' || (record.feedback?.score ?? 0) < 0 ? ['negative feedback'] : []),
  ];
  const c: Record<string, unknown> = {
    id,
    description: `Production incident${options.incident ? ` ${options.incident}` : ''}: record ${id.slice(9)} at ${record.at}, system version ${record.versions.system ?? 'unknown'}${
      happened.length ? ` (${happened.join('; ')})` : ''
    }. Input ${inputFrom === 'record' ? 'from the record' : 'given by the on-call'}, redacted. The fixed system must pass it.`,
    vars: { [varName]: input.text },
    tags: {
      [INCIDENT_SOURCE_TAG.key]: INCIDENT_SOURCE_TAG.value,
      ...(record.route && { route: record.route }),
      ...(options.incident && { incident: options.incident }),
    },
    blocker: options.blocker ?? true,
    graders,
  };

  // The last gate before the suite: no detector may find anything in what the case carries.
  const scan = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      const finding = redactor.find(blankPlaceholders(value))[0];
      if (finding)
        throw new UsageError(
          `the case would carry a value the '${finding.kind}' detector finds, at ${path}: nothing was written (redact it from --expect, or add the value to the policy's redaction)`,
        );
    } else if (Array.isArray(value)) value.forEach((v, i) => scan(v, `${path}[${i}]`));
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) scan(v, path ? `${path}.${k}` : k);
  };
  scan(c, '');

  let text: string;
  try {
    text = insertCases(suiteText, [c]);
  } catch (e) {
    throw new UsageError(`the suite: ${(e as Error).message}; nothing was written`);
  }
  return { id, case: c, text, redactions: input.counts, inputFrom };
}

/** Whether the suite text already has a case with this id. */
export function suiteHasCase(suiteText: string, id: string): boolean {
  const doc = parseDocument(suiteText);
  const cases = isMap(doc.contents) ? doc.contents.get('cases', true) : undefined;
  return isSeq(cases) && cases.items.some((item) => isMap(item) && String(item.get('id')) === id);
}

/** The one var name the suite's inline cases use (`question`); a UsageError when not one. */
function suiteVarName(suiteText: string): string {
  const doc = parseDocument(suiteText);
  const cases = isMap(doc.contents) ? doc.contents.get('cases', true) : undefined;
  const names = new Set<string>();
  if (isSeq(cases))
    for (const item of cases.items) {
      const vars = isMap(item) ? item.get('vars', true) : undefined;
      if (isMap(vars))
        for (const pair of vars.items)
          names.add(String((pair.key as { value?: unknown })?.value ?? pair.key));
      else if (isMap(item) && item.has('input')) names.add('input');
    }
  if (names.size === 1) return [...names][0]!;
  throw new UsageError(
    names.size === 0
      ? "the suite has no inline case to learn its input var from: give --var NAME (the var the target's prompt reads)"
      : `the suite's cases use several vars (${[...names].join(', ')}): give --var NAME for the input`,
  );
}

function blankPlaceholders(text: string): string {
  return text.replace(/\[REDACTED:[A-Za-z0-9_-]+\]/g, (m) => ' '.repeat(m.length));
}
