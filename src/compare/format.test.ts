import { describe, expect, it } from 'vitest';
import { formatUsd } from './format.js';

describe('formatUsd: enough significant digits to see a change', () => {
  it.each([
    [0, '$0'],
    [0.000123, '$0.000123'],
    [0.0001567, '$0.000157'],
    [0.0000000412, '$0.0000000412'],
    [0.5, '$0.5'],
    [0.123456, '$0.123'],
    [1, '$1.00'],
    [1234.5678, '$1234.57'],
    [-0.00002, '-$0.00002'],
  ])('%f → %s', (v, text) => {
    expect(formatUsd(v)).toBe(text);
  });
});
