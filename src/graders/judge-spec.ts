import { z } from 'zod';
import type { Grader } from './types.js';

// The judge's configuration and its spec, apart from the judge itself (judge.ts), so that
// config/schema can validate them and calibrate.ts can name a judge grader without
// importing the OpenAI client that judges.

/** Project-level judge defaults: `judge:` in evalgate.yml. */
export const JudgeConfigSchema = z.strictObject({
  /** Default judge model for every `judge` grader that names none. */
  model: z.string().min(1).optional(),
  /** Any OpenAI-compatible API (`${env:NAME}` allowed); defaults to `$OPENAI_BASE_URL`, then the SDK's. */
  baseURL: z.string().min(1).optional(),
  apiKeyEnv: z.string().min(1).default('OPENAI_API_KEY'),
  timeoutMs: z.number().int().positive().default(60_000),
  /** Judge calls retried on rate limits, timeouts and 5xx before the verdict becomes a grader error. */
  retries: z.number().int().min(0).max(10).default(2),
  /** Calibration report written by `evalgate calibrate`; without one a judge never gates. */
  calibration: z.string().optional(),
  /**
   * Cohen's kappa against human labels that the lower bound of its 95% interval must reach
   * before the judge's verdicts may block; below it they inform but never block.
   */
  minKappa: z.number().min(-1).max(1).default(0.6),
  /** Judged labels a calibration needs before its judge may gate (judge errors do not count). */
  minLabels: z.number().int().min(1).default(30),
  /** Human 'pass' labels, and as many 'fail' ones, a calibration needs before its judge may gate. */
  minLabelsPerClass: z.number().int().min(1).default(10),
});
export type JudgeConfig = z.output<typeof JudgeConfigSchema>;

export const JudgeSpecSchema = z.strictObject({
  type: z.literal('judge'),
  name: z.string().optional(),
  not: z.boolean().optional(),
  /** What a good answer does, in plain words: the judge grades against this only. */
  rubric: z.string().min(1),
  model: z.string().min(1).optional(),
  baseURL: z.string().min(1).optional(),
  apiKeyEnv: z.string().min(1).optional(),
  /** The judge's score must reach this (and its verdict be `pass`) for the case to pass. */
  passThreshold: z.number().min(0).max(1).default(0.5),
  /** Kappa this judge must have reached in calibration to gate; overrides `judge.minKappa`. */
  minAgreement: z.number().min(-1).max(1).optional(),
  timeoutMs: z.number().int().positive().optional(),
});
export type JudgeSpec = z.output<typeof JudgeSpecSchema>;

/** A judge grader: a Grader whose fingerprint identifies the judgement, plus its gating rule. */
export interface JudgeGrader extends Grader {
  readonly fingerprint: JudgeFingerprint;
  readonly judge: {
    /** Kappa (its interval's lower bound) needed before this judge's verdicts may block (spec `minAgreement`, else `judge.minKappa`). */
    minKappa: number;
    /** Label minimums a calibration must meet (`judge.minLabels`, `judge.minLabelsPerClass`). */
    minLabels: number;
    minLabelsPerClass: number;
    /** Calibration report path from the project config, relative to evalgate.yml. */
    calibration?: string;
  };
}

export interface JudgeFingerprint extends Record<string, unknown> {
  kind: 'judge';
  model: string;
  /** sha256 of the prompt template version, system prompt and rubric. */
  promptHash: string;
  temperature: 0;
  passThreshold: number;
  responseFormat: 'json_schema:verdict';
}

export function isJudgeGrader(grader: Grader): grader is JudgeGrader {
  return (grader.fingerprint as { kind?: unknown } | undefined)?.kind === 'judge';
}
