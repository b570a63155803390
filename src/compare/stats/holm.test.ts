import { describe, expect, it } from 'vitest';
import { holmAdjust } from './holm.js';

describe('holmAdjust', () => {
  it('matches the step-down definition (same values as R p.adjust(method = "holm"))', () => {
    expect(holmAdjust([0.01, 0.02, 0.03, 0.04, 0.05])).toEqual(
      [0.05, 0.08, 0.09, 0.09, 0.09].map((x) => expect.closeTo(x, 12)),
    );
    // Input order is kept; monotone in the sorted order; capped at 1.
    const adjusted = holmAdjust([0.04, 0.001, 0.7, 0.012]);
    console.log(`Holm [0.04, 0.001, 0.7, 0.012] → ${adjusted.map((p) => p.toFixed(3)).join(', ')}`);
    expect(adjusted).toEqual([0.08, 0.004, 0.7, 0.036].map((x) => expect.closeTo(x, 12)));
    expect(holmAdjust([0.6, 0.5])).toEqual([1, 1]);
    expect(holmAdjust([])).toEqual([]);
  });
});
