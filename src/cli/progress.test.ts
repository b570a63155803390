import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

describe('createProgress', () => {
  it('prints plain lines in CI, with what a server said made safe for the log', () => {
    let out = '';
    let t = 0;
    const p = createProgress(
      (s) => void (out += s),
      false,
      () => t,
    );
    p.start(2, 0);
    p.note('warning: upstream said \x1b[31m\n::error::forged');
    t += 5;
    p.sample('pass', false);
    p.sample('error', true);
    p.finish();
    expect(out).toBe(
      [
        'evalgate: 0/2 samples (0%) · 0 failed · 0 errors · 0 cached',
        'evalgate: warning: upstream said \\x1b[31m ::error::forged',
        'evalgate: 1/2 samples (50%) · 0 failed · 0 errors · 0 cached · eta 1s',
        'evalgate: 2/2 samples (100%) · 0 failed · 1 errors · 1 cached',
        '',
      ].join('\n'),
    );
  });
});
