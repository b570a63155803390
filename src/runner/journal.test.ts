import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal, type JournalRecord } from './journal.js';
import { tempDir } from '../../test/kits/runner.js';

const header = (runKey = 'k1') => ({
  evalgateJournal: 1 as const,
  runKey,
  runId: 'run-1',
  startedAt: '2025-01-01T00:00:00.000Z',
});

describe('Journal', () => {
  it('returns byte ranges that hold exactly each sample JSON, non-ASCII included', () => {
    const path = join(tempDir(), 'out.json.journal');
    const { journal } = Journal.open(path, header(), () => true);
    const samples = [
      { index: 0, text: 'héllo ✓' },
      { index: 1, text: 'x'.repeat(100_000) },
      { index: 0, text: '"quoted"' },
    ];
    const ranges = samples.map((s, i) => journal.append(0, i, s.index, `case-ü-${i}`, JSON.stringify(s)));
    journal.flush();
    ranges.forEach((r, i) => {
      const buf = Buffer.alloc(r.length);
      journal.read(buf, 0, r.offset, r.length);
      expect(JSON.parse(buf.toString())).toEqual(samples[i]);
    });
    journal.close();

    const replayed: JournalRecord[] = [];
    const again = Journal.open(path, header(), (r) => (replayed.push(r), true));
    expect(again.resumed).toBe(true);
    expect(replayed.map((r) => [r.case, r.caseId, r.offset, r.length])).toEqual(
      ranges.map((r, i) => [i, `case-ü-${i}`, r.offset, r.length]),
    );
    expect(replayed.map((r) => r.result)).toEqual(samples);
    again.journal.remove();
  });

  it('cuts the journal at a torn or rejected line and appends after the good part', () => {
    const path = join(tempDir(), 'out.json.journal');
    const { journal } = Journal.open(path, header(), () => true);
    for (let i = 0; i < 5; i++) journal.append(0, i, 0, `c${i}`, JSON.stringify({ index: 0, i }));
    journal.close();
    appendFileSync(path, '{"k":[0,5,0],"id":"c5","r":{"ind');
    const seen: number[] = [];
    const reopened = Journal.open(path, header(), (r) => (seen.push(r.case), r.case !== 3));
    expect(seen).toEqual([0, 1, 2, 3]);
    const more = reopened.journal.append(0, 9, 0, 'c9', '{"index":0}');
    reopened.journal.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1 + 3 + 1);
    expect(
      readFileSync(path)
        .subarray(more.offset, more.offset + more.length)
        .toString(),
    ).toBe('{"index":0}');
  });

  it('replaces a journal of another run, or an unreadable one', () => {
    const path = join(tempDir(), 'out.json.journal');
    Journal.open(path, header('old'), () => true).journal.close();
    const fresh = Journal.open(path, header('new'), () => true);
    expect(fresh).toMatchObject({ resumed: false, discarded: expect.stringContaining('different') });
    fresh.journal.close();
    writeFileSync(path, 'garbage');
    const again = Journal.open(path, header('new'), () => true);
    expect(again).toMatchObject({ resumed: false, discarded: 'an unreadable journal' });
    again.journal.close();
  });
});
