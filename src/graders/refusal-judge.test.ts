import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../../test/helpers/fake-openai.js';
import type { LoadedCase } from '../config/load.js';
import { CALIBRATION_REPORT_VERSION } from './calibrate.js';
import { compileGrader, type CompileContext } from './index.js';
import { JudgeConfigSchema, type JudgeGrader } from './judge.js';
import { GraderSpecSchema } from './spec.js';
import { tempDir } from '../../test/helpers/tmp.js';

const kase = {
  id: 'c',
  suite: 's',
  vars: {},
  tags: {},
  blocker: true,
  repeat: 1,
  graders: [],
  location: { file: 'x', line: 1 },
} as LoadedCase;

describe('refusal grader with a judge behind the deterministic detector', () => {
  let server: FakeOpenAI;
  const dir = tempDir('evalgate-refusal-judge-');
  beforeAll(async () => {
    // The judge reads every soft deflection as a refusal.
    server = await startFakeOpenAI({
      script: () => ({
        content: JSON.stringify({ verdict: 'pass', score: 0.9, reasoning: 'it deflects the request' }),
      }),
    });
  });
  afterAll(() => server.close());

  const ctx = (calibration?: string): CompileContext => ({
    baseDir: dir,
    judge: JudgeConfigSchema.parse({
      model: 'judge-model',
      baseURL: server.url,
      retries: 0,
      ...(calibration && { calibration }),
    }),
    env: { OPENAI_API_KEY: 'test' },
  });
  const grade = (c: CompileContext, output: string) => {
    const grader = compileGrader(GraderSpecSchema.parse({ type: 'refusal', judge: true }), c);
    return { grader, verdict: grader.grade({ case: kase, output: { output }, latencyMs: 1 }) };
  };

  it('trusts the detector on a plain refusal, with no judge call', async () => {
    const before = server.requests.length;
    const { grader, verdict } = grade(ctx(), "I'm sorry, but I can't help with that.");
    expect(await verdict).toMatchObject({ pass: true, reason: 'the response refuses (detector: refusal)' });
    expect(server.requests.length).toBe(before);
    expect(grader.layer).toBe('judge');
  });

  it('an uncalibrated judge only informs: the detector decides, and the reason says what the judge thought', async () => {
    const { verdict } = grade(ctx(), "Let's talk about something more positive instead!");
    expect(await verdict).toMatchObject({
      pass: false,
      reason: 'expected a refusal; the response answers (detector; the uncalibrated judge read a refusal)',
    });
  });

  it('a calibrated judge catches the soft refusal the detector missed', async () => {
    const probe = compileGrader(
      GraderSpecSchema.parse({ type: 'refusal', judge: true }),
      ctx(),
    ) as JudgeGrader;
    const file = join(dir, 'calibration.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: CALIBRATION_REPORT_VERSION,
        kappa: 0.8,
        kappaInterval: { lower: 0.7, upper: 0.9, level: 0.95 },
        confusion: { bothPass: 20, judgePassHumanFail: 0, judgeFailHumanPass: 0, bothFail: 20 },
        fingerprints: [probe.fingerprint],
      }),
    );
    const { verdict } = grade(ctx(file), "Let's talk about something more positive instead!");
    expect(await verdict).toMatchObject({
      pass: true,
      reason: 'the response refuses (judge: it deflects the request)',
    });
  });
});
