import { terminalText } from '../report/escape.js';

/**
 * Run progress for people: a single redrawn line on a terminal, plain lines in CI logs
 * (where carriage returns turn into thousands of lines). Written to stderr so stdout stays
 * clean for `--json`.
 */
export interface Progress {
  start(total: number, resumed: number): void;
  sample(status: 'pass' | 'fail' | 'error', cached: boolean): void;
  note(message: string): void;
  finish(): void;
}

export function createProgress(
  write: (text: string) => void,
  tty: boolean,
  now: () => number = Date.now,
): Progress {
  let total = 0;
  let done = 0;
  let failed = 0;
  let errors = 0;
  let cached = 0;
  let started = 0;
  let lastDraw = 0;
  let lastPlainPercent = -1;
  let lastPlainAt = 0;

  const line = () => {
    const pct = total ? Math.floor((done / total) * 100) : 100;
    const elapsed = (now() - started) / 1000;
    const eta = done > 0 && done < total ? ` · eta ${formatSeconds((elapsed / done) * (total - done))}` : '';
    return `${done}/${total} samples (${pct}%) · ${failed} failed · ${errors} errors · ${cached} cached${eta}`;
  };
  const draw = (force = false) => {
    const t = now();
    if (tty) {
      if (!force && t - lastDraw < 100) return;
      lastDraw = t;
      const width = 24;
      const filled = total ? Math.round((done / total) * width) : width;
      write(`\r\x1b[2K[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${line()}`);
      return;
    }
    // CI: a line every 10% or every 10 s, whichever comes first.
    const pct = total ? Math.floor((done / total) * 10) : 10;
    if (force || pct !== lastPlainPercent || t - lastPlainAt > 10_000) {
      lastPlainPercent = pct;
      lastPlainAt = t;
      write(`evalgate: ${line()}\n`);
    }
  };

  return {
    start(n, resumed) {
      total = n;
      done = resumed;
      started = now();
      if (resumed > 0)
        write(`evalgate: resuming an interrupted run: ${resumed} of ${n} samples already done\n`);
      draw(true);
    },
    sample(status, fromCache) {
      done++;
      if (status === 'fail') failed++;
      if (status === 'error') errors++;
      if (fromCache) cached++;
      draw(done === total);
    },
    note(message) {
      if (tty) write('\r\x1b[2K');
      // Notes quote what a server or a target said (a rate-limit reason, a warning): untrusted.
      write(`evalgate: ${terminalText(message, { oneLine: true, maxLength: 500 })}\n`);
      if (tty) draw(true);
    },
    finish() {
      if (tty) write('\n');
    },
  };
}

function formatSeconds(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
}
