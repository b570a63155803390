import type { MetricId } from './types.js';

/**
 * How metric values read to a person: rates as percentages and their changes in percentage
 * points, scores (in [0, 1]) to three decimals. Shared by the reasons compare and gate
 * write and by the markdown report, so the same number never reads two ways.
 */
export function isRate(metric: MetricId): boolean {
  return !metric.startsWith('score:');
}

export function formatValue(metric: MetricId, value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  return isRate(metric) ? `${(value * 100).toFixed(1)}%` : value.toFixed(3);
}

/** A signed change: `+1.2 pp`, `-3.0 pp`, `+0.015`. */
export function formatDelta(metric: MetricId, delta: number | null): string {
  if (delta === null || !Number.isFinite(delta)) return '—';
  const sign = delta > 0 ? '+' : delta < 0 ? '-' : '±';
  const abs = Math.abs(delta);
  return isRate(metric) ? `${sign}${(abs * 100).toFixed(1)} pp` : `${sign}${abs.toFixed(3)}`;
}

/** An unsigned magnitude in the metric's units: `2.0 pp`, `0.020`. */
export function formatMagnitude(metric: MetricId, value: number): string {
  return isRate(metric) ? `${(value * 100).toFixed(1)} pp` : value.toFixed(3);
}

export function formatInterval(metric: MetricId, interval: { lower: number; upper: number } | null): string {
  if (!interval) return '—';
  return `${formatDelta(metric, interval.lower)} to ${formatDelta(metric, interval.upper)}`;
}

export function formatP(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return '—';
  if (p < 0.001) return '< 0.001';
  if (p >= 0.995) return '1.00';
  return p < 0.01 ? p.toFixed(3) : p.toFixed(2);
}

/** `p < 0.001`, `p = 0.03`: for sentences. */
export function formatPValue(p: number | null): string {
  const text = formatP(p);
  return text.startsWith('<') ? `p ${text}` : `p = ${text}`;
}

export function formatPct(pct: number | null): string {
  if (pct === null || !Number.isFinite(pct)) return '—';
  return `${pct > 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const SMALL_USD = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumSignificantDigits: 3,
});

/**
 * Money with enough significant digits to see a change: cents for a dollar or more, three
 * significant digits below it ($0.000123 → $0.000156, never $0.0000 → $0.0000).
 */
export function formatUsd(v: number): string {
  if (v === 0) return '$0';
  if (Math.abs(v) >= 1) return `${v < 0 ? '-' : ''}$${Math.abs(v).toFixed(2)}`;
  return SMALL_USD.format(v);
}
