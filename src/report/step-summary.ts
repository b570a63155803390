import { renderReport, type ReportInput } from './comment.js';

/** GitHub truncates (and then refuses) a step summary over 1 MiB: bytes, not characters. */
export const STEP_SUMMARY_MAX_BYTES = 1_048_576;

export interface StepSummaryInput extends ReportInput {
  maxBytes?: number;
}

/**
 * The report for `$GITHUB_STEP_SUMMARY`: the same sections as the PR comment, without the
 * comment's marker, degraded the same way but against a byte budget (emoji and other
 * non-ASCII text take up to four bytes each).
 */
export function renderStepSummary(input: StepSummaryInput): string {
  const max = input.maxBytes ?? STEP_SUMMARY_MAX_BYTES;
  // The summary is what the reader is looking at: no link to itself.
  const links = { ...input.links, stepSummary: undefined };
  return renderReport(
    { ...input, links },
    {
      max,
      measure: (t) => Buffer.byteLength(t, 'utf8'),
      limitLabel: `the ${max.toLocaleString('en-US')}-byte limit of a step summary`,
      pointToStepSummary: false,
    },
  ).body;
}

/**
 * A report that has no sections to degrade (drift's) fitted to the step summary's byte
 * budget: cut at the last whole line that fits, with a notice naming where the whole report
 * is. Markdown tables and lists end at a line, so the cut never leaves one half-open.
 */
export function fitStepSummary(markdown: string, whole: string, maxBytes = STEP_SUMMARY_MAX_BYTES): string {
  if (Buffer.byteLength(markdown, 'utf8') <= maxBytes) return markdown;
  const notice = `\n\n_Cut to the ${maxBytes.toLocaleString('en-US')}-byte limit of a step summary: the whole report is ${whole}._\n`;
  const budget = maxBytes - Buffer.byteLength(notice, 'utf8');
  const lines = markdown.split('\n');
  let used = 0;
  let kept = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line, 'utf8') + 1;
    if (used + size > budget) break;
    used += size;
    kept++;
  }
  return `${lines.slice(0, kept).join('\n')}${notice}`;
}
