import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  cohensKappa,
  judgeMayGate,
  readCalibrationReport,
  type CalibrationReport,
} from './calibrate.js';
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

describe('judgeMayGate', () => {
  const fp: JudgeFingerprint = {
    kind: 'judge',
    model: 'm',
    promptHash: 'abc',
    temperature: 0,
    passThreshold: 0.5,
    responseFormat: 'json_schema:verdict',
  };
  const report = (kappa: number | null): Pick<CalibrationReport, 'kappa' | 'fingerprints'> => ({
    kappa,
    fingerprints: [fp],
  });

  it('gates only at or above the minimum kappa', () => {
    expect(judgeMayGate(report(0.6), 0.6)).toBe(true);
    expect(judgeMayGate(report(0.81), 0.6)).toBe(true);
    expect(judgeMayGate(report(0.59), 0.6)).toBe(false);
    expect(judgeMayGate(report(null), 0.6)).toBe(false);
    expect(judgeMayGate(undefined, 0.6)).toBe(false);
  });

  it('does not gate on a calibration of a different judge', () => {
    expect(judgeMayGate(report(0.9), 0.6, fp)).toBe(true);
    expect(judgeMayGate(report(0.9), 0.6, { ...fp, promptHash: 'other' })).toBe(false);
    expect(judgeMayGate(report(0.9), 0.6, { ...fp, model: 'other' })).toBe(false);
  });
});

describe('readCalibrationReport', () => {
  it('reads a report and treats a missing or foreign file as no calibration', () => {
    const dir = tempDir('evalgate-cal-');
    const report = { version: 1, kappa: 0.7, fingerprints: [] };
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(report));
    writeFileSync(join(dir, 'other.json'), '{"kappa": 0.9}');
    expect(readCalibrationReport(join(dir, 'ok.json'))).toEqual(report);
    expect(readCalibrationReport(join(dir, 'other.json'))).toBeUndefined();
    expect(readCalibrationReport(join(dir, 'missing.json'))).toBeUndefined();
    expect(judgeMayGate(readCalibrationReport(join(dir, 'missing.json')), 0.6)).toBe(false);
  });
});
