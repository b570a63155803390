import { readFileSync } from 'node:fs';
import { quantileSorted } from '../compare/stats/descriptive.js';
import { createRng } from '../compare/stats/rng.js';
import { wilsonInterval } from '../compare/stats/wilson.js';
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
  const pe = chanceAgreement(t);
  if (pe >= 1) return null;
  return (po - pe) / (1 - pe);
}

function total(t: Confusion): number {
  return t.bothPass + t.judgePassHumanFail + t.judgeFailHumanPass + t.bothFail;
}

/** Human labels of each class among the judged ones (judge errors left out). */
export function labelClasses(t: Confusion): { pass: number; fail: number } {
  return { pass: t.bothPass + t.judgeFailHumanPass, fail: t.judgePassHumanFail + t.bothFail };
}

export interface KappaInterval {
  lower: number;
  upper: number;
  /** Two-sided confidence level: 0.95. */
  level: number;
  method: 'bootstrap+wilson';
  resamples: number;
  seed: string;
}

export const KAPPA_INTERVAL_LEVEL = 0.95;
export const KAPPA_BOOTSTRAP_RESAMPLES = 2000;
export const KAPPA_BOOTSTRAP_SEED = 'evalgate-calibration-kappa';

/**
 * A 95% interval on κ, the union of two intervals, so the gate's lower bound is the more
 * cautious of the two:
 *
 * 1. A seeded percentile bootstrap over the labelled outputs: resample the n (judge, human)
 *    pairs with replacement B = 2000 times, recompute κ, take the 2.5th and 97.5th
 *    percentiles (type 7). It carries the uncertainty of both the observed agreement p_o and
 *    the chance agreement p_e. A resample in which a rater gave one label to everything has
 *    no κ; it counts as κ = 0 (no measurable agreement), never as agreement.
 * 2. The Wilson score interval of p_o = (a + d) / n, mapped to κ at the observed p_e:
 *    κ_L = (L − p_e) / (1 − p_e), κ_U = (U − p_e) / (1 − p_e), clamped to [−1, 1].
 *
 * Why both: when judge and humans agree on every label, every bootstrap resample agrees too
 * and the bootstrap interval collapses to [1, 1] however few the labels, which is how two
 * labels used to let a judge gate. The Wilson bound never collapses (30 of 30 agreements
 * give p_o ≥ 0.886; at p_e = 0.5 that is κ ≥ 0.773; 2 of 2 give p_o ≥ 0.342, κ ≥ −0.315),
 * while treating p_e as known makes it too narrow when the marginals are uncertain, which
 * is what the bootstrap adds. Null when κ itself is undefined.
 */
export function kappaInterval(
  t: Confusion,
  options: { resamples?: number; seed?: string } = {},
): KappaInterval | null {
  const kappa = cohensKappa(t);
  if (kappa === null) return null;
  const n = total(t);
  const resamples = options.resamples ?? KAPPA_BOOTSTRAP_RESAMPLES;
  const seed = options.seed ?? KAPPA_BOOTSTRAP_SEED;
  const alpha = 1 - KAPPA_INTERVAL_LEVEL;

  const rng = createRng(seed);
  const cells = [t.bothPass, t.judgePassHumanFail, t.judgeFailHumanPass, t.bothFail];
  const kappas = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const drawn = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      let u = rng.int(n);
      let cell = 0;
      while (u >= cells[cell]!) u -= cells[cell++]!;
      drawn[cell]!++;
    }
    const k = cohensKappa({
      bothPass: drawn[0]!,
      judgePassHumanFail: drawn[1]!,
      judgeFailHumanPass: drawn[2]!,
      bothFail: drawn[3]!,
    });
    kappas[r] = k ?? 0;
  }
  kappas.sort();
  const boot = { lower: quantileSorted(kappas, alpha / 2), upper: quantileSorted(kappas, 1 - alpha / 2) };

  const pe = chanceAgreement(t);
  const w = wilsonInterval(t.bothPass + t.bothFail, n, alpha);
  const clamp = (x: number) => Math.max(-1, Math.min(1, x));
  const wilson = { lower: clamp((w.lower - pe) / (1 - pe)), upper: clamp((w.upper - pe) / (1 - pe)) };

  return {
    lower: Math.min(boot.lower, wilson.lower),
    upper: Math.max(boot.upper, wilson.upper),
    level: KAPPA_INTERVAL_LEVEL,
    method: 'bootstrap+wilson',
    resamples,
    seed,
  };
}

/** p_e = p_judge(pass)·p_human(pass) + p_judge(fail)·p_human(fail). */
function chanceAgreement(t: Confusion): number {
  const n = total(t);
  const judgePass = (t.bothPass + t.judgePassHumanFail) / n;
  const humanPass = (t.bothPass + t.judgeFailHumanPass) / n;
  return judgePass * humanPass + (1 - judgePass) * (1 - humanPass);
}

/**
 * Version 2 adds `kappaInterval`. Version 1 reports (no interval) are still read, so a run
 * can say why their judge no longer gates: recalibrate.
 */
export const CALIBRATION_REPORT_VERSION = 2;

export interface CalibrationReport {
  /** 1: written before intervals (read, but its judge does not gate); 2: with `kappaInterval`. */
  version: 1 | typeof CALIBRATION_REPORT_VERSION;
  createdAt: string;
  grader: string;
  /** Every distinct fingerprint of the judges that graded the labels (one rubric per suite is usual). */
  fingerprints: JudgeFingerprint[];
  labels: { file: string; total: number; judged: number; judgeErrors: number; skipped: number };
  confusion: Confusion;
  accuracy: number | null;
  kappa: number | null;
  /** 95% interval on kappa (see kappaInterval); null when kappa is; absent in version 1 reports. */
  kappaInterval?: KappaInterval | null;
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
    kappaInterval: kappaInterval(confusion),
    disagreements,
  };
}

/** What a calibration must show before its judge may gate (from `judge:` in evalgate.yml). */
export interface CalibrationPolicy {
  /** The lower bound of kappa's 95% interval must reach this. */
  minKappa: number;
  /** Judged labels (judge errors left out), both classes together. */
  minLabels: number;
  /** Judged labels of each human class, pass and fail. */
  minLabelsPerClass: number;
}

export const DEFAULT_CALIBRATION_POLICY: CalibrationPolicy = {
  minKappa: 0.6,
  minLabels: 30,
  minLabelsPerClass: 10,
};

export type CalibrationVerdict = { mayGate: true } | { mayGate: false; reasons: string[] };

/**
 * Whether a judge's failing verdicts may block a merge, and if not, every reason why. It
 * may when the report calibrated this very judge (`fingerprint`: model, prompt, rubric and
 * threshold; left out, the report is taken as current), on at least `minLabels` judged
 * labels with at least `minLabelsPerClass` human passes and as many human fails, and the
 * lower bound of kappa's 95% interval reaches `minKappa`. A point estimate is not enough:
 * one pass and one fail label agreed on give κ = 1 with an interval reaching below 0.
 * A version 1 report has no interval: its judge does not gate until it is recalibrated.
 */
export function calibrationVerdict(
  report: Pick<CalibrationReport, 'kappa' | 'fingerprints' | 'confusion'> &
    Partial<Pick<CalibrationReport, 'kappaInterval' | 'version'>>,
  policy: CalibrationPolicy,
  fingerprint?: JudgeFingerprint,
): CalibrationVerdict {
  const reasons: string[] = [];
  if (fingerprint) {
    const want = canonicalJson(fingerprint);
    if (!report.fingerprints.some((f) => canonicalJson(f) === want))
      reasons.push('the judge changed since it was calibrated (model, prompt, rubric or threshold)');
  }
  const n = report.confusion ? total(report.confusion) : 0;
  const classes = report.confusion ? labelClasses(report.confusion) : { pass: 0, fail: 0 };
  if (n < policy.minLabels) reasons.push(`${n} judged labels, fewer than the ${policy.minLabels} required`);
  for (const cls of ['pass', 'fail'] as const) {
    if (classes[cls] < policy.minLabelsPerClass)
      reasons.push(
        `${classes[cls]} human '${cls}' labels, fewer than the ${policy.minLabelsPerClass} of each class required`,
      );
  }
  const interval = report.kappaInterval;
  if (report.kappa === null) {
    reasons.push('kappa is undefined (a rater gave one label to everything)');
  } else if (interval === undefined) {
    reasons.push(
      `the report has no interval on kappa (written by an older evalgate): run evalgate calibrate again`,
    );
  } else if (interval === null || interval.lower < policy.minKappa) {
    const ci = interval
      ? ` (${pct(interval.level)} CI ${fix(interval.lower)} to ${fix(interval.upper)})`
      : '';
    reasons.push(`kappa ${fix(report.kappa)}${ci}: the lower bound is below the minimum ${policy.minKappa}`);
  }
  return reasons.length ? { mayGate: false, reasons } : { mayGate: true };
}

/**
 * calibrationVerdict as a yes or no; a missing report (`undefined`) never gates. The policy
 * may be a bare minimum kappa, with the default label minimums.
 */
export function judgeMayGate(
  report: Parameters<typeof calibrationVerdict>[0] | undefined,
  policy: CalibrationPolicy | number,
  fingerprint?: JudgeFingerprint,
): boolean {
  if (!report) return false;
  const p = typeof policy === 'number' ? { ...DEFAULT_CALIBRATION_POLICY, minKappa: policy } : policy;
  return calibrationVerdict(report, p, fingerprint).mayGate;
}

function fix(x: number): string {
  return x.toFixed(3);
}

function pct(level: number): string {
  return `${Math.round(level * 100)}%`;
}

/**
 * Reads the report `judge.calibration` names. A missing or unreadable report is `undefined`
 * (so `judgeMayGate` says no): an uncalibrated judge informs, it does not block. Version 1
 * reports are read as they are (no interval), so the reason can say to recalibrate.
 */
export function readCalibrationReport(file: string): CalibrationReport | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<CalibrationReport>;
    if (
      (value.version !== 1 && value.version !== CALIBRATION_REPORT_VERSION) ||
      !Array.isArray(value.fingerprints) ||
      !(value.kappa === null || typeof value.kappa === 'number') ||
      !isConfusion(value.confusion) ||
      (value.version === CALIBRATION_REPORT_VERSION && !isInterval(value.kappaInterval))
    ) {
      return undefined;
    }
    return value as CalibrationReport;
  } catch {
    return undefined;
  }
}

function isConfusion(v: unknown): v is Confusion {
  if (!v || typeof v !== 'object') return false;
  const t = v as Record<string, unknown>;
  return ['bothPass', 'judgePassHumanFail', 'judgeFailHumanPass', 'bothFail'].every(
    (k) => Number.isInteger(t[k]) && (t[k] as number) >= 0,
  );
}

function isInterval(v: unknown): boolean {
  if (v === null) return true;
  if (!v || typeof v !== 'object') return false;
  const i = v as Record<string, unknown>;
  return typeof i.lower === 'number' && typeof i.upper === 'number' && typeof i.level === 'number';
}
