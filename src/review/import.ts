import { CsvError, parseCsv } from './csv.js';
import { checkLabel, labelKey, type Label, type LabelProblem } from './labels.js';

export interface ReviewImport {
  labels: Label[];
  /** Rows whose label is neither `pass` nor `fail`, or that are malformed, by line. */
  problems: LabelProblem[];
  /** Rows left without a label: not reviewed yet, so not an error. */
  unlabelled: number;
}

/** Reads a filled-in review.csv. Columns are found by header name, so reviewers may reorder or add some. */
export function importReviewCsv(text: string): ReviewImport {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvError)
      return { labels: [], problems: [{ line: e.line, message: e.message }], unlabelled: 0 };
    throw e;
  }
  const [header, ...rows] = records;
  if (!header) return { labels: [], problems: [], unlabelled: 0 };
  const column = new Map(header.fields.map((name, i) => [name.trim().toLowerCase(), i]));
  const missing = ['suite', 'case', 'output', 'label'].filter((c) => !column.has(c));
  if (missing.length) {
    return {
      labels: [],
      problems: [
        {
          line: header.line,
          message: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
        },
      ],
      unlabelled: 0,
    };
  }
  return collect(
    rows.map((r) => {
      const get = (name: string) => {
        const i = column.get(name);
        return i === undefined ? undefined : r.fields[i];
      };
      const row: Record<string, unknown> = {
        suite: get('suite'),
        case: get('case'),
        output: get('output') ?? '',
        label: get('label') ?? '',
        reason: get('reason'),
        reviewer: get('reviewer'),
      };
      const sample = get('sample');
      if (sample && /^\d+$/.test(sample)) row.sample = Number(sample);
      const json = (name: string, key: string) => {
        const text = get(name);
        if (!text) return;
        try {
          row[key] = JSON.parse(text);
        } catch {
          // A reviewer's edit broke the JSON: the label still counts, promote just lacks it.
        }
      };
      json('input', 'vars');
      json('expected', 'expected');
      json('tags', 'tags');
      return { line: r.line, row };
    }),
  );
}

/** Reads a filled-in review.jsonl. */
export function importReviewJsonl(text: string): ReviewImport {
  const rows: { line: number; row: unknown }[] = [];
  const problems: LabelProblem[] = [];
  text.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    try {
      rows.push({ line: i + 1, row: JSON.parse(raw) });
    } catch (e) {
      problems.push({ line: i + 1, message: `invalid JSON: ${(e as Error).message}` });
    }
  });
  const result = collect(rows);
  return { ...result, problems: [...problems, ...result.problems].sort((a, b) => a.line - b.line) };
}

function collect(rows: { line: number; row: unknown }[]): ReviewImport {
  const labels: Label[] = [];
  const problems: LabelProblem[] = [];
  let unlabelled = 0;
  for (const { line, row } of rows) {
    const label = (row as { label?: unknown } | null)?.label;
    if (label === undefined || label === null || (typeof label === 'string' && label.trim() === '')) {
      unlabelled++;
      continue;
    }
    const checked = checkLabel(row);
    if (typeof checked === 'string') problems.push({ line, message: checked });
    else labels.push(checked);
  }
  return { labels, problems, unlabelled };
}

/**
 * Merges new labels into existing ones: one label per (suite, case, sample), the newer
 * winning, existing order kept and new ones appended.
 */
export function mergeLabels(existing: readonly Label[], incoming: readonly Label[]): Label[] {
  const merged = new Map(existing.map((l) => [labelKey(l), l]));
  for (const l of incoming) merged.set(labelKey(l), l);
  return [...merged.values()];
}
