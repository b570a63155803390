import { readFileSync } from 'node:fs';
import { canonicalJson } from '../util/hash.js';
import type { Label } from '../review/labels.js';
import type { JudgeFingerprint, JudgeGrader } from './judge-spec.js';
import type { GradedCase } from './types.js';

/**
 * Judge calibration: how far a judge agrees with human labels on the same outputs.
 *
 * The 2×2 table counts (judge verdict, human label) pairs; judge errors are counted apart
 * and left out of the table, since an error is neither verdict.
 *
 *   accuracy  p_o = (a + d) / n
 *   chance    p_e = p_judge(pass)·p_human(pass) + p_judge(fail)·p_human(fail)
 *   kappa     κ   = (p_o − p_e) / (1 − p_e)            (Cohen 1960)
 *
 * with a = both pass, d = both fail, n = a + b + c + d. κ is undefined (null) when
 * p_e = 1 — both raters gave one and the same label to everything — and for n = 0.
 */
export interface Confusion {
  bothPass: number;
  judgePassHumanFail: number;
  judgeFailHumanPass: number;
  bothFail: number;
}

export function accuracy(t: Confusion): number | null {
  const n = total(t);
  return n === 0 ? null : (t.bothPass + t.bothFail) / n;
}

export function cohensKappa(t: Confusion): number | null {
  const n = total(t);
  if (n === 0) return null;
  const po = (t.bothPass + t.bothFail) / n;
  const judgePass = (t.bothPass + t.judgePassHumanFail) / n;
  const humanPass = (t.bothPass + t.judgeFailHumanPass) / n;
  const pe = judgePass * humanPass + (1 - judgePass) * (1 - humanPass);
  if (pe >= 1) return null;
  return (po - pe) / (1 - pe);
}

function total(t: Confusion): number {
  return t.bothPass + t.judgePassHumanFail + t.judgeFailHumanPass + t.bothFail;
}

export const CALIBRATION_REPORT_VERSION = 1;

export interface CalibrationReport {
  version: typeof CALIBRATION_REPORT_VERSION;
  createdAt: string;
  grader: string;
  /** Every distinct fingerprint of the judges that graded the labels (one rubric per suite is usual). */
  fingerprints: JudgeFingerprint[];
  labels: { file: string; total: number; judged: number; judgeErrors: number; skipped: number };
  confusion: Confusion;
  accuracy: number | null;
  kappa: number | null;
  /** Where the judge and the human disagreed, and the judge errors: what to read first. */
  disagreements: {
    suite: string;
    case: string;
    sample?: number;
    human: 'pass' | 'fail';
    judge: 'pass' | 'fail' | 'error';
    reason: string;
  }[];
}

export interface CalibrationItem {
  label: Label;
  case: GradedCase;
  grader: JudgeGrader;
}

/** Judges every labelled output (a few at a time) and compares with the labels. */
export async function calibrate(
  items: readonly CalibrationItem[],
  meta: { grader: string; file: string; total: number; skipped: number; concurrency?: number; now?: Date },
): Promise<CalibrationReport> {
  const verdicts = new Array<{ pass: boolean; error?: boolean; reason: string }>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      const { label, case: c, grader } = items[i]!;
      verdicts[i] = await grader.grade({ case: c, output: { output: label.output }, latencyMs: 0 });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, meta.concurrency ?? 4) }, worker));

  const confusion: Confusion = { bothPass: 0, judgePassHumanFail: 0, judgeFailHumanPass: 0, bothFail: 0 };
  const disagreements: CalibrationReport['disagreements'] = [];
  const fingerprints = new Map<string, JudgeFingerprint>();
  let judgeErrors = 0;
  items.forEach(({ label, grader }, i) => {
    fingerprints.set(canonicalJson(grader.fingerprint), grader.fingerprint);
    const v = verdicts[i]!;
    const where = {
      suite: label.suite,
      case: label.case,
      ...(label.sample !== undefined && { sample: label.sample }),
    };
    if (v.error) {
      judgeErrors++;
      disagreements.push({ ...where, human: label.label, judge: 'error', reason: v.reason });
      return;
    }
    const human = label.label === 'pass';
    if (v.pass && human) confusion.bothPass++;
    else if (v.pass) confusion.judgePassHumanFail++;
    else if (human) confusion.judgeFailHumanPass++;
    else confusion.bothFail++;
    if (v.pass !== human)
      disagreements.push({ ...where, human: label.label, judge: v.pass ? 'pass' : 'fail', reason: v.reason });
  });

  return {
    version: CALIBRATION_REPORT_VERSION,
    createdAt: (meta.now ?? new Date()).toISOString(),
    grader: meta.grader,
    fingerprints: [...fingerprints.values()],
    labels: {
      file: meta.file,
      total: meta.total,
      judged: items.length - judgeErrors,
      judgeErrors,
      skipped: meta.skipped,
    },
    confusion,
    accuracy: accuracy(confusion),
    kappa: cohensKappa(confusion),
    disagreements,
  };
}

/**
 * Whether a judge's failing verdicts may block a merge. Below `minKappa` (or with no kappa,
 * or a calibration made for a different judge: another model, rubric or threshold) the
 * judge's verdicts are still reported, but the gate must treat them as informational.
 * `fingerprint` is the current judge's; left out, the calibration is taken as current.
 */
export function judgeMayGate(
  report: Pick<CalibrationReport, 'kappa' | 'fingerprints'> | undefined,
  minKappa: number,
  fingerprint?: JudgeFingerprint,
): boolean {
  if (!report || report.kappa === null || report.kappa < minKappa) return false;
  if (!fingerprint) return true;
  const want = canonicalJson(fingerprint);
  return report.fingerprints.some((f) => canonicalJson(f) === want);
}

/**
 * Reads the report `judge.calibration` names. A missing or unreadable report is `undefined`
 * (so `judgeMayGate` says no): an uncalibrated judge informs, it does not block.
 */
export function readCalibrationReport(file: string): CalibrationReport | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<CalibrationReport>;
    if (
      value.version !== CALIBRATION_REPORT_VERSION ||
      !Array.isArray(value.fingerprints) ||
      !(value.kappa === null || typeof value.kappa === 'number')
    ) {
      return undefined;
    }
    return value as CalibrationReport;
  } catch {
    return undefined;
  }
}
