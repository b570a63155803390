import {
  closeSync,
  existsSync,
  ftruncateSync,
  fstatSync,
  openSync,
  readSync,
  unlinkSync,
  writeSync,
} from 'node:fs';

/**
 * The run journal, `<out>.journal`: an append-only file of finished samples, one JSON line
 * each, in the order they finished. It is both how results stream to disk (the run holds
 * only byte offsets; the final document is assembled from it, see writer.ts) and how an
 * interrupted run resumes: a run with the same key replays it and skips what it holds.
 *
 *   {"evalgateJournal":1,"runKey":"…","runId":"…","startedAt":"…"}
 *   {"k":[suite,case,sample],"id":"<case id>","r":<SampleResult>}
 *   …
 *
 * `r` comes last so the sample's JSON is one contiguous byte range that the writer copies
 * into the document verbatim, never parsed again. Lines are buffered and written together
 * (at 64 KiB or after 100 ms, whichever first) without fsync: a kill -9 loses at most that
 * last batch, and a torn final line is cut off on the next open.
 */
export interface JournalHeader {
  evalgateJournal: 1;
  runKey: string;
  runId: string;
  startedAt: string;
}

export interface JournalRecord {
  suite: number;
  case: number;
  sample: number;
  caseId: string;
  /** Parsed SampleResult (replay only). */
  result: unknown;
  /** Byte range of the SampleResult JSON in the journal. */
  offset: number;
  length: number;
}

/** Returns false when the record does not belong to this run: the journal is cut there. */
export type ReplayHandler = (record: JournalRecord) => boolean;

export interface OpenedJournal {
  journal: Journal;
  /** The header in force: the old one when resuming, so the run keeps its id and start time. */
  header: JournalHeader;
  resumed: boolean;
  /** Why an existing journal was not resumed, for the user. */
  discarded?: string;
}

const FLUSH_BYTES = 64 * 1024;
const FLUSH_MS = 100;
const READ_CHUNK = 1024 * 1024;

export class Journal {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private size: number,
  ) {}

  /**
   * Opens `path` for `header.runKey`: replays a journal with the same key through `onRecord`,
   * otherwise starts a new one (a journal of another run is replaced, and said so).
   */
  static open(path: string, header: JournalHeader, onRecord: ReplayHandler): OpenedJournal {
    let discarded: string | undefined;
    if (existsSync(path)) {
      const fd = openSync(path, 'r+');
      try {
        const old = readHeader(fd);
        if (old && old.header.runKey === header.runKey) {
          const end = replay(fd, old.end, onRecord);
          if (end < fstatSync(fd).size) ftruncateSync(fd, end);
          return { journal: new Journal(path, fd, end), header: old.header, resumed: true };
        }
        discarded = old
          ? 'an interrupted run with different config, suites or filters'
          : 'an unreadable journal';
      } catch (e) {
        closeSync(fd);
        throw e;
      }
      closeSync(fd);
    }
    const fd = openSync(path, 'w+');
    const line = Buffer.from(`${JSON.stringify(header)}\n`);
    writeAll(fd, line, 0);
    return {
      journal: new Journal(path, fd, line.length),
      header,
      resumed: false,
      ...(discarded && { discarded }),
    };
  }

  /** Queues one finished sample; returns where its JSON will sit in the file. */
  append(
    suite: number,
    caseIdx: number,
    sample: number,
    caseId: string,
    sampleJson: string,
  ): { offset: number; length: number } {
    const prefix = recordPrefix(suite, caseIdx, sample, caseId);
    const line = Buffer.from(`${prefix}${sampleJson}}\n`);
    const prefixBytes = Buffer.byteLength(prefix);
    const offset = this.size + this.pendingBytes + prefixBytes;
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), FLUSH_MS).unref();
    return { offset, length: line.length - prefixBytes - 2 };
  }

  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pendingBytes === 0 || this.closed) return;
    const data =
      this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    writeAll(this.fd, data, this.size);
    this.size += data.length;
  }

  /** Copies `length` bytes at `offset` of the journal into `target` at `at` (after a flush). */
  read(target: Buffer, at: number, offset: number, length: number): void {
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, target, at + done, length - done, offset + done);
      if (n === 0) throw new Error(`journal ${this.path} ended early at byte ${offset + done}`);
      done += n;
    }
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    closeSync(this.fd);
  }

  /** Closes and deletes: the run it recorded is complete. */
  remove(): void {
    this.close();
    unlinkSync(this.path);
  }
}

export function recordPrefix(suite: number, caseIdx: number, sample: number, caseId: string): string {
  return `{"k":[${suite},${caseIdx},${sample}],"id":${JSON.stringify(caseId)},"r":`;
}

function writeAll(fd: number, data: Buffer, position: number): void {
  let done = 0;
  while (done < data.length) done += writeSync(fd, data, done, data.length - done, position + done);
}

function readHeader(fd: number): { header: JournalHeader; end: number } | undefined {
  const buf = Buffer.alloc(4096);
  const n = readSync(fd, buf, 0, buf.length, 0);
  const nl = buf.subarray(0, n).indexOf(0x0a);
  if (nl < 0) return undefined;
  try {
    const header = JSON.parse(buf.toString('utf8', 0, nl)) as Partial<JournalHeader>;
    if (
      header.evalgateJournal !== 1 ||
      typeof header.runKey !== 'string' ||
      typeof header.runId !== 'string'
    ) {
      return undefined;
    }
    return { header: header as JournalHeader, end: nl + 1 };
  } catch {
    return undefined;
  }
}

/** Feeds every complete, valid line to `onRecord`; returns the byte where the good part ends. */
function replay(fd: number, start: number, onRecord: ReplayHandler): number {
  let chunk = Buffer.alloc(READ_CHUNK);
  let carry = 0; // bytes of an unfinished line at the start of `chunk`
  let chunkStart = start; // file offset of chunk[0]
  for (;;) {
    if (carry === chunk.length) {
      const bigger = Buffer.alloc(chunk.length * 2);
      chunk.copy(bigger, 0, 0, carry);
      chunk = bigger;
    }
    const n = readSync(fd, chunk, carry, chunk.length - carry, chunkStart + carry);
    if (n === 0) return chunkStart; // EOF: anything in `carry` is a torn line
    const filled = carry + n;
    let lineStart = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, lineStart);
      if (nl < 0 || nl >= filled) break;
      if (!acceptLine(chunk, lineStart, nl, chunkStart + lineStart, onRecord)) return chunkStart + lineStart;
      lineStart = nl + 1;
    }
    chunk.copy(chunk, 0, lineStart, filled);
    carry = filled - lineStart;
    chunkStart += lineStart;
  }
}

function acceptLine(
  buf: Buffer,
  from: number,
  to: number,
  fileOffset: number,
  onRecord: ReplayHandler,
): boolean {
  let parsed: { k?: unknown; id?: unknown; r?: unknown };
  try {
    parsed = JSON.parse(buf.toString('utf8', from, to)) as typeof parsed;
  } catch {
    return false;
  }
  const k = parsed.k;
  if (
    !Array.isArray(k) ||
    k.length !== 3 ||
    !k.every((x) => Number.isInteger(x) && x >= 0) ||
    typeof parsed.id !== 'string' ||
    !parsed.r ||
    typeof parsed.r !== 'object'
  ) {
    return false;
  }
  const [suite, caseIdx, sample] = k as [number, number, number];
  const prefixBytes = Buffer.byteLength(recordPrefix(suite, caseIdx, sample, parsed.id));
  // The line must be exactly prefix + JSON + '}' for the byte range to be right.
  if (
    buf[to - 1] !== 0x7d ||
    buf.toString('utf8', from, from + prefixBytes) !== recordPrefix(suite, caseIdx, sample, parsed.id)
  ) {
    return false;
  }
  return onRecord({
    suite,
    case: caseIdx,
    sample,
    caseId: parsed.id,
    result: parsed.r,
    offset: fileOffset + prefixBytes,
    length: to - from - prefixBytes - 1,
  });
}
