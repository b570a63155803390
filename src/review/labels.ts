/**
 * Human labels: one JSON object per line. The form `evalgate calibrate` reads and
 * `evalgate review import` writes:
 *
 *   { suite, case, output, label: "pass" | "fail", reason?, reviewer?, sample?, vars?, expected?, tags? }
 *
 * `vars`, `expected` and `tags` travel with the label so `review promote` can write the case
 * back into a suite without the results file.
 */
export interface Label {
  suite: string;
  case: string;
  output: string;
  label: 'pass' | 'fail';
  reason?: string;
  reviewer?: string;
  sample?: number;
  vars?: Record<string, unknown>;
  expected?: unknown;
  tags?: Record<string, string | string[]>;
}

export interface LabelProblem {
  line: number;
  message: string;
}

/** Accepts `pass`/`fail` in any case and surrounding space; anything else is a problem to report. */
export function normalizeLabel(value: unknown): 'pass' | 'fail' | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  return v === 'pass' || v === 'fail' ? v : undefined;
}

export function parseLabels(text: string): { labels: Label[]; problems: LabelProblem[] } {
  const labels: Label[] = [];
  const problems: LabelProblem[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    let row: unknown;
    try {
      row = JSON.parse(raw);
    } catch (e) {
      problems.push({ line, message: `invalid JSON: ${(e as Error).message}` });
      return;
    }
    const checked = checkLabel(row);
    if (typeof checked === 'string') problems.push({ line, message: checked });
    else labels.push(checked);
  });
  return { labels, problems };
}

/** A label object, or what is wrong with it. */
export function checkLabel(row: unknown): Label | string {
  if (!row || typeof row !== 'object' || Array.isArray(row)) return 'expected a JSON object';
  const r = row as Record<string, unknown>;
  if (typeof r.suite !== 'string' || !r.suite) return "missing 'suite'";
  if (typeof r.case !== 'string' || !r.case) return "missing 'case'";
  if (typeof r.output !== 'string') return "missing 'output'";
  const label = normalizeLabel(r.label);
  if (!label) return `label must be 'pass' or 'fail', got ${JSON.stringify(r.label ?? '')}`;
  return {
    suite: r.suite,
    case: r.case,
    output: r.output,
    label,
    ...(typeof r.reason === 'string' && r.reason && { reason: r.reason }),
    ...(typeof r.reviewer === 'string' && r.reviewer && { reviewer: r.reviewer }),
    ...(typeof r.sample === 'number' && { sample: r.sample }),
    ...(isRecord(r.vars) && { vars: r.vars }),
    ...(r.expected !== undefined && { expected: r.expected }),
    ...(isRecord(r.tags) && { tags: r.tags as Record<string, string | string[]> }),
  };
}

export function labelKey(l: Pick<Label, 'suite' | 'case' | 'sample'>): string {
  return JSON.stringify([l.suite, l.case, l.sample ?? 0]);
}

export function formatLabels(labels: readonly Label[]): string {
  return labels.map((l) => JSON.stringify(l)).join('\n') + (labels.length ? '\n' : '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}
