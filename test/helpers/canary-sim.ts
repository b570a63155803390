/**
 * Seeded canary traffic for the canary analysis tests: production records of two system
 * versions, drawn straight from stated distributions (no text, no policy), so a test knows
 * exactly what changed between canary and control.
 */
import type { ProductionRecord } from '../../src/production/record.js';
import { rng, type Random } from './pii-corpus.js';

export interface ArmSpec {
  /** Share of records with an error. Default 0.02. */
  errorRate?: number;
  /** Share of records with a safety event. Default 0.002. */
  safetyRate?: number;
  /** Share of answered records refused. Default 0.03. */
  refusalRate?: number;
  /** Share of records rated; of those, the share rated down. Defaults 0.3 and 0.2. */
  feedbackRate?: number;
  downRate?: number;
  /** log-normal latency: ln(ms) ~ N(mu, sigma²). Defaults 6.5 and 0.5 (median 665 ms). */
  latencyMu?: number;
  latencySigma?: number;
  /** Mean cost in USD (log-normal, spread 0.3). Default 0.0004. */
  costMean?: number;
}

function normal(r: Random): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/**
 * `n` records of `version`, the i-th at `start + i * stepMs` plus jitter under one step, so
 * two arms with the same step interleave like an even traffic split.
 */
export function simulateArm(
  seed: number,
  n: number,
  version: string,
  spec: ArmSpec = {},
  options: { start?: number; stepMs?: number } = {},
): ProductionRecord[] {
  const r = rng(seed);
  const start = options.start ?? Date.UTC(2026, 11, 7);
  const step = options.stepMs ?? 1000;
  const mu = spec.latencyMu ?? 6.5;
  const sigma = spec.latencySigma ?? 0.5;
  const cost = spec.costMean ?? 0.0004;
  const out: ProductionRecord[] = [];
  for (let i = 0; i < n; i++) {
    const record: ProductionRecord = {
      schemaVersion: 1,
      at: new Date(start + i * step + Math.floor(r() * step)).toISOString(),
      sampleRate: 1,
      versions: { system: version },
    };
    if (r() < (spec.errorRate ?? 0.02)) record.error = { kind: 'timeout' };
    else {
      record.refusal = r() < (spec.refusalRate ?? 0.03);
      record.costUsd = cost * Math.exp(0.3 * normal(r) - 0.045);
    }
    record.latencyMs = Math.exp(mu + sigma * normal(r));
    if (r() < (spec.safetyRate ?? 0.002)) record.safetyEvents = ['moderation-flagged'];
    if (r() < (spec.feedbackRate ?? 0.3))
      record.feedback = { rating: r() < (spec.downRate ?? 0.2) ? 'down' : 'up' };
    out.push(record);
  }
  return out;
}
