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
