import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  calibrationVerdict,
  cohensKappa,
  judgeMayGate,
  kappaInterval,
  readCalibrationReport,
} from './calibrate.js';
import { createRng } from '../compare/stats/rng.js';
import type { JudgeFingerprint } from './judge.js';
import { tempDir } from '../../test/helpers/tmp.js';

const table = (
  bothPass: number,
  judgePassHumanFail: number,
  judgeFailHumanPass: number,
  bothFail: number,
) => ({
  bothPass,
  judgePassHumanFail,
  judgeFailHumanPass,
  bothFail,
});

describe("Cohen's kappa and accuracy", () => {
  it('matches the worked example on Wikipedia (20/5/10/15 of 50: p_o 0.7, p_e 0.5, kappa 0.4)', () => {
    expect(accuracy(table(20, 5, 10, 15))).toBeCloseTo(0.7, 12);
    expect(cohensKappa(table(20, 5, 10, 15))).toBeCloseTo(0.4, 12);
  });

  it('matches the two equal-accuracy examples where kappa differs (0.1304 and 0.2593)', () => {
    expect(accuracy(table(45, 15, 25, 15))).toBeCloseTo(0.6, 12);
    expect(cohensKappa(table(45, 15, 25, 15))).toBeCloseTo(0.06 / 0.46, 12);
    expect(cohensKappa(table(25, 35, 5, 35))).toBeCloseTo(0.14 / 0.54, 12);
  });

  it('is 1 for perfect agreement, 0 at chance, negative below, undefined when degenerate', () => {
    expect(cohensKappa(table(10, 0, 0, 10))).toBe(1);
    expect(cohensKappa(table(25, 25, 25, 25))).toBe(0);
    expect(cohensKappa(table(0, 10, 10, 0))).toBe(-1);
    expect(cohensKappa(table(10, 0, 0, 0))).toBeNull();
    expect(cohensKappa(table(0, 0, 0, 0))).toBeNull();
    expect(accuracy(table(0, 0, 0, 0))).toBeNull();
  });
});

describe("kappa's 95% interval", () => {
  it('one pass and one fail label agreed on: kappa 1, but the interval reaches below 0', () => {
    // Wilson for 2 of 2 at 95%: lower 0.342380; p_e = 0.5, so kappa >= (0.342380 - 0.5) / 0.5 = -0.315240.
    // Half the bootstrap resamples hold one class only (no kappa, counted as 0), the rest give 1.
    const ci = kappaInterval(table(1, 0, 0, 1))!;
    expect(cohensKappa(table(1, 0, 0, 1))).toBe(1);
    expect(ci.lower).toBeCloseTo(-0.31524, 5);
    expect(ci.upper).toBe(1);
    expect(ci).toMatchObject({ level: 0.95, method: 'bootstrap+wilson', resamples: 2000 });
  });

  it('30 of 30 agreements, 15 of each: the bootstrap collapses to 1, the Wilson bound does not', () => {
    // Wilson for 30 of 30: lower 0.886487; p_e = 0.5: kappa >= 0.772973. Every resample agrees
    // perfectly on both classes (the chance of a one-class resample is 2 * 0.5^30), so 1.
    const ci = kappaInterval(table(15, 0, 0, 15))!;
    expect(ci.lower).toBeCloseTo(0.772973, 5);
    expect(ci.upper).toBeCloseTo(1, 12);
  });

  it('the worked example (20/5/10/15): contains kappa 0.4 and the Wilson interval 0.125 to 0.618', () => {
    // p_o = 0.7, Wilson for 35 of 50: 0.562496 to 0.808964; p_e = 0.5: kappa 0.124993 to 0.617929.
    const ci = kappaInterval(table(20, 5, 10, 15))!;
    expect(ci.lower).toBeLessThanOrEqual(0.124993 + 1e-6);
    expect(ci.upper).toBeGreaterThanOrEqual(0.617929 - 1e-6);
    expect(ci.lower).toBeGreaterThan(-0.2);
    expect(ci.upper).toBeLessThan(0.75);
    // Seeded: the same table gives the same interval, run after run.
    expect(kappaInterval(table(20, 5, 10, 15))).toEqual(ci);
  });

  it('is undefined with kappa', () => {
    expect(kappaInterval(table(10, 0, 0, 0))).toBeNull();
    expect(kappaInterval(table(0, 0, 0, 0))).toBeNull();
  });

  it('covers the true kappa at least 93% of the time (seeded simulation, 300 calibrations of 60 labels)', () => {
    // A judge that agrees with humans 85% of the time, humans passing 50%, the judge's
    // errors symmetric: cells 0.425 / 0.075 / 0.075 / 0.425, p_e = 0.5, true kappa = 0.7.
    const rng = createRng('kappa-coverage');
    const cells = [0.425, 0.075, 0.075, 0.425];
    let covered = 0;
    const trials = 300;
    for (let trial = 0; trial < trials; trial++) {
      const t = [0, 0, 0, 0];
      for (let i = 0; i < 60; i++) {
        let u = rng.next();
        let c = 0;
        while (c < 3 && u >= cells[c]!) u -= cells[c++]!;
        t[c]!++;
      }
      const ci = kappaInterval(table(t[0]!, t[1]!, t[2]!, t[3]!), { resamples: 400, seed: `t${trial}` });
      if (ci && ci.lower <= 0.7 && 0.7 <= ci.upper) covered++;
    }
    expect(covered / trials).toBeGreaterThanOrEqual(0.93);
    // ... and is not so wide that it always covers (it is conservative, not vacuous).
    expect(covered / trials).toBeLessThan(0.995);
  });
});

describe('calibrationVerdict and judgeMayGate', () => {
  const fp: JudgeFingerprint = {
    kind: 'judge',
    model: 'm',
    promptHash: 'abc',
    temperature: 0,
    passThreshold: 0.5,
    responseFormat: 'json_schema:verdict',
  };
  const policy = { minKappa: 0.6, minLabels: 30, minLabelsPerClass: 10 };
  const report = (t: ReturnType<typeof table>) => ({
    version: 2 as const,
    kappa: cohensKappa(t),
    kappaInterval: kappaInterval(t),
    confusion: t,
    fingerprints: [fp],
  });

  it('one pass and one fail label no longer let a judge gate, and every reason is given', () => {
    expect(calibrationVerdict(report(table(1, 0, 0, 1)), policy)).toEqual({
      mayGate: false,
      reasons: [
        '2 judged labels, fewer than the 30 required',
        "1 human 'pass' labels, fewer than the 10 of each class required",
        "1 human 'fail' labels, fewer than the 10 of each class required",
        'kappa 1.000 (95% CI -0.315 to 1.000): the lower bound is below the minimum 0.6',
      ],
    });
    expect(judgeMayGate(report(table(1, 0, 0, 1)), 0.6)).toBe(false);
  });

  it('gates on the lower bound, with enough labels of each class', () => {
    // 15/0/0/15: kappa 1, lower bound 0.773.
    expect(calibrationVerdict(report(table(15, 0, 0, 15)), policy)).toEqual({ mayGate: true });
    expect(calibrationVerdict(report(table(15, 0, 0, 15)), { ...policy, minKappa: 0.8 })).toEqual({
      mayGate: false,
      reasons: ['kappa 1.000 (95% CI 0.773 to 1.000): the lower bound is below the minimum 0.8'],
    });
    // 36 labels but only 6 human fails: kappa 1 is not enough.
    expect(calibrationVerdict(report(table(30, 0, 0, 6)), policy)).toEqual({
      mayGate: false,
      reasons: ["6 human 'fail' labels, fewer than the 10 of each class required"],
    });
    // The point estimate reaches 0.6 (0.4 < 0.6 here, so it is the bound either way) ...
    expect(calibrationVerdict(report(table(20, 5, 10, 15)), policy).mayGate).toBe(false);
    // ... and a point estimate of 0.856 on 30 labels whose lower bound is 0.541 does not gate at 0.6.
    // (18/1/1/10: p_o 0.9333, p_e 0.5356, Wilson lower 0.786765 -> kappa >= 0.540882.)
    const close = report(table(18, 1, 1, 10));
    expect(close.kappa).toBeCloseTo(0.856459, 6);
    expect(close.kappaInterval!.lower).toBeLessThanOrEqual(0.540883);
    expect(calibrationVerdict(close, policy)).toEqual({
      mayGate: false,
      reasons: [
        expect.stringMatching(
          /^kappa 0\.856 \(95% CI -?0\.\d{3} to \d\.\d{3}\): the lower bound is below the minimum 0\.6$/,
        ),
      ],
    });
    expect(judgeMayGate(report(table(15, 0, 0, 15)), policy)).toBe(true);
    expect(judgeMayGate(undefined, policy)).toBe(false);
  });

  it('does not gate on a calibration of a different judge', () => {
    const ok = report(table(15, 0, 0, 15));
    expect(judgeMayGate(ok, policy, fp)).toBe(true);
    expect(judgeMayGate(ok, policy, { ...fp, promptHash: 'other' })).toBe(false);
    expect(calibrationVerdict(ok, policy, { ...fp, model: 'other' })).toEqual({
      mayGate: false,
      reasons: ['the judge changed since it was calibrated (model, prompt, rubric or threshold)'],
    });
  });

  it('a report from before intervals (version 1) is read, and its judge does not gate until recalibrated', () => {
    const old = { version: 1 as const, kappa: 1, confusion: table(20, 0, 0, 20), fingerprints: [fp] };
    expect(calibrationVerdict(old, policy, fp)).toEqual({
      mayGate: false,
      reasons: [
        'the report has no interval on kappa (written by an older evalgate): run evalgate calibrate again',
      ],
    });
  });
});

describe('readCalibrationReport', () => {
  it('reads version 1 and 2 reports and treats a missing or foreign file as no calibration', () => {
    const dir = tempDir('evalgate-cal-');
    const confusion = table(20, 0, 0, 20);
    const v1 = { version: 1, kappa: 0.7, confusion, fingerprints: [] };
    const v2 = { ...v1, version: 2, kappaInterval: kappaInterval(confusion) };
    writeFileSync(join(dir, 'v1.json'), JSON.stringify(v1));
    writeFileSync(join(dir, 'v2.json'), JSON.stringify(v2));
    writeFileSync(join(dir, 'v2-no-interval.json'), JSON.stringify(v1).replace('"version":1', '"version":2'));
    writeFileSync(join(dir, 'other.json'), '{"kappa": 0.9}');
    expect(readCalibrationReport(join(dir, 'v1.json'))).toEqual(v1);
    expect(readCalibrationReport(join(dir, 'v2.json'))).toEqual(v2);
    expect(readCalibrationReport(join(dir, 'v2-no-interval.json'))).toBeUndefined();
    expect(readCalibrationReport(join(dir, 'other.json'))).toBeUndefined();
    expect(readCalibrationReport(join(dir, 'missing.json'))).toBeUndefined();
    expect(judgeMayGate(readCalibrationReport(join(dir, 'missing.json')), 0.6)).toBe(false);
  });
});
