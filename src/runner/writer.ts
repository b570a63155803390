import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { relative, sep } from 'node:path';
import type { LoadedSuite } from '../config/load.js';
import {
  RESULTS_SCHEMA_VERSION,
  type ResultsDocument,
  type RunInfo,
  type SuiteMetrics,
} from '../results/types.js';
import type { Journal } from './journal.js';
import type { RunLedger } from './ledger.js';

const CHUNK = 1024 * 1024;

/**
 * Writes the Results document from the journal, in the order the suites were given and
 * each suite's cases in file order, whatever order they finished in: the document is
 * deterministic and diffs cleanly between runs.
 *
 * It is an assembly pass, not a serialisation of objects: the header, summary and suite
 * headers are small JSON; each sample's JSON is copied byte for byte from the journal
 * through a 1 MiB buffer. So a 100,000-case document costs no more memory than a small one.
 * One case per line, so a diff of two documents reads case by case.
 *
 * The file is written beside the target and renamed over it once complete and fsynced, so a
 * reader never sees a half-written document. A partial run writes only its complete cases.
 */
export function writeResultsDocument(args: {
  path: string;
  run: RunInfo;
  summary: ResultsDocument['summary'];
  suites: readonly LoadedSuite[];
  metrics: readonly SuiteMetrics[];
  rootDir: string;
  ledger: RunLedger;
  journal: Journal;
}): void {
  const { path, suites, ledger, journal, rootDir } = args;
  const relativePaths = new Map<string, string>();
  const rel = (file: string) => {
    let r = relativePaths.get(file);
    if (r === undefined) relativePaths.set(file, (r = relativePosix(rootDir, file)));
    return r;
  };
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const out = new ChunkWriter(fd);
    out.text(`{"schemaVersion":${RESULTS_SCHEMA_VERSION},\n"run":${JSON.stringify(args.run)},\n`);
    out.text(`"summary":${JSON.stringify(args.summary)},\n"suites":[`);
    suites.forEach((suite, s) => {
      const head = {
        id: suite.id,
        ...(suite.description !== undefined && { description: suite.description }),
        tier: suite.tier,
        kind: suite.kind,
        target: suite.target,
        file: rel(suite.file),
        contentHash: suite.contentHash,
        repeat: suite.repeat,
        metrics: args.metrics[s],
      };
      out.text(`${s ? ',' : ''}\n${openObject(head)},"cases":[`);
      let first = true;
      suite.cases.forEach((c, ci) => {
        if (!ledger.isCaseComplete(s, ci)) return;
        const caseHead = {
          id: c.id,
          blocker: c.blocker,
          tags: c.tags,
          location: { file: rel(c.location.file), line: c.location.line },
          status: ledger.caseStatus(s, ci),
          ...(c.hash !== undefined && { hash: c.hash }),
        };
        out.text(`${first ? '' : ','}\n${openObject(caseHead)},"samples":[`);
        first = false;
        const repeat = ledger.repeatOf(s, ci);
        for (let i = 0; i < repeat; i++) {
          if (i) out.text(',');
          const { offset, length } = ledger.location(s, ci, i);
          out.fromJournal(journal, offset, length);
        }
        out.text(']}');
      });
      out.text(`${first ? '' : '\n'}]}`);
    });
    out.text('\n]}\n');
    out.flush();
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** `{"a":1}` → `{"a":1`, so more fields can follow. */
function openObject(value: object): string {
  return JSON.stringify(value).slice(0, -1);
}

function relativePosix(root: string, file: string): string {
  const rel = relative(root, file);
  return sep === '/' ? rel : rel.split(sep).join('/');
}

class ChunkWriter {
  private buf = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private position = 0;

  constructor(private readonly fd: number) {}

  text(s: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit: only measure when it might not fit.
    if (s.length * 3 > this.buf.length - this.used) {
      const bytes = Buffer.byteLength(s);
      if (bytes > this.buf.length - this.used) this.flush();
      if (bytes > this.buf.length) {
        this.write(Buffer.from(s));
        return;
      }
    }
    this.used += this.buf.write(s, this.used);
  }

  fromJournal(journal: Journal, offset: number, length: number): void {
    if (length > this.buf.length - this.used) this.flush();
    if (length > this.buf.length) {
      const big = Buffer.allocUnsafe(length);
      journal.read(big, 0, offset, length);
      this.write(big);
      return;
    }
    journal.read(this.buf, this.used, offset, length);
    this.used += length;
  }

  flush(): void {
    if (this.used === 0) return;
    this.write(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  private write(data: Buffer): void {
    let done = 0;
    while (done < data.length)
      done += writeSync(this.fd, data, done, data.length - done, this.position + done);
    this.position += data.length;
  }
}
