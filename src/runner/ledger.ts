import type { LoadedSuite } from '../config/load.js';
import type { SampleResult, SampleStatus } from '../results/types.js';
import { SuiteMetricsAccumulator } from './metrics.js';

const NOT_DONE = 0;
const CODE: Record<SampleStatus, number> = { pass: 1, fail: 2, error: 3 };

/**
 * What the run knows about every (suite, case, sample) slot, in typed arrays so 100,000 cases
 * cost a few MB: whether it is done, its status, and where its JSON sits in the journal.
 * Sample objects are kept only for cases still waiting for another of their `repeat`
 * samples (case-level metrics need them all at once); every other sample result is folded
 * into the metrics and dropped as soon as it is journaled. Since work is issued case by
 * case, at most `concurrency + 1` cases are ever part-done, so that stays O(concurrency).
 */
export class RunLedger {
  readonly totalSamples: number;
  readonly totalCases: number;
  /** Global index of each suite's first case (length suites + 1). */
  private readonly caseBase: Uint32Array;
  /** Slot of each case's first sample (length cases + 1). */
  private readonly slotBase: Uint32Array;
  private readonly status: Uint8Array;
  private readonly offsets: Float64Array;
  private readonly lengths: Uint32Array;
  private readonly doneCount: Uint16Array;
  private readonly remaining: Int32Array;
  private readonly pending = new Map<number, SampleResult[]>();
  private held = 0;
  private done = 0;
  readonly metrics: SuiteMetricsAccumulator[];

  constructor(private readonly suites: readonly LoadedSuite[]) {
    this.caseBase = new Uint32Array(suites.length + 1);
    let cases = 0;
    suites.forEach((s, i) => {
      this.caseBase[i] = cases;
      cases += s.cases.length;
    });
    this.caseBase[suites.length] = cases;
    this.totalCases = cases;
    this.slotBase = new Uint32Array(cases + 1);
    let slots = 0;
    let g = 0;
    for (const s of suites) {
      for (const c of s.cases) {
        this.slotBase[g++] = slots;
        slots += Math.max(1, c.repeat);
      }
    }
    this.slotBase[cases] = slots;
    this.totalSamples = slots;
    this.status = new Uint8Array(slots);
    this.offsets = new Float64Array(slots);
    this.lengths = new Uint32Array(slots);
    this.doneCount = new Uint16Array(cases);
    this.remaining = Int32Array.from(suites, (s) => s.cases.length);
    this.metrics = suites.map((s) => new SuiteMetricsAccumulator(s.id));
  }

  get doneSamples(): number {
    return this.done;
  }

  /** Sample results held in memory, waiting for the rest of their case. */
  get heldSamples(): number {
    return this.held;
  }

  repeatOf(suite: number, caseIdx: number): number {
    const g = this.caseBase[suite]! + caseIdx;
    return this.slotBase[g + 1]! - this.slotBase[g]!;
  }

  isDone(suite: number, caseIdx: number, sample: number): boolean {
    return this.status[this.slot(suite, caseIdx, sample)] !== NOT_DONE;
  }

  isCaseComplete(suite: number, caseIdx: number): boolean {
    const g = this.caseBase[suite]! + caseIdx;
    return this.doneCount[g] === this.slotBase[g + 1]! - this.slotBase[g]!;
  }

  suiteComplete(suite: number): boolean {
    return this.remaining[suite] === 0;
  }

  /** Where sample `sample` of a case sits in the journal. */
  location(suite: number, caseIdx: number, sample: number): { offset: number; length: number } {
    const slot = this.slot(suite, caseIdx, sample);
    return { offset: this.offsets[slot]!, length: this.lengths[slot]! };
  }

  /** pass: no sample failed and one passed; fail: one failed; error: every sample errored. */
  caseStatus(suite: number, caseIdx: number): SampleStatus {
    const g = this.caseBase[suite]! + caseIdx;
    let anyGraded = false;
    for (let slot = this.slotBase[g]!; slot < this.slotBase[g + 1]!; slot++) {
      const code = this.status[slot];
      if (code === CODE.fail) return 'fail';
      if (code === CODE.pass) anyGraded = true;
    }
    return anyGraded ? 'pass' : 'error';
  }

  /**
   * Records a finished sample. Returns whether that finished its case (then with all the
   * case's samples, in order) and its suite; a slot already recorded is ignored (false, false).
   */
  record(
    suite: number,
    caseIdx: number,
    sample: number,
    result: SampleResult,
    offset: number,
    length: number,
  ): { caseDone: boolean; suiteDone: boolean; samples?: readonly SampleResult[] } {
    const g = this.caseBase[suite]! + caseIdx;
    const slot = this.slotBase[g]! + sample;
    if (this.status[slot] !== NOT_DONE) return { caseDone: false, suiteDone: false };
    this.status[slot] = CODE[result.status];
    this.offsets[slot] = offset;
    this.lengths[slot] = length;
    this.done++;
    const repeat = this.slotBase[g + 1]! - this.slotBase[g]!;
    const count = ++this.doneCount[g]!;
    let samples: SampleResult[];
    if (repeat === 1) samples = [result];
    else {
      let list = this.pending.get(g);
      if (!list) this.pending.set(g, (list = []));
      list[sample] = result;
      if (count < repeat) {
        this.held++;
        return { caseDone: false, suiteDone: false };
      }
      this.pending.delete(g);
      this.held -= repeat - 1;
      samples = list;
    }
    const c = this.suites[suite]!.cases[caseIdx]!;
    this.metrics[suite]!.addCase(
      { id: c.id, blocker: c.blocker, index: caseIdx, tags: c.tags },
      this.caseStatus(suite, caseIdx),
      samples,
    );
    return { caseDone: true, suiteDone: --this.remaining[suite]! === 0, samples };
  }

  private slot(suite: number, caseIdx: number, sample: number): number {
    return this.slotBase[this.caseBase[suite]! + caseIdx]! + sample;
  }
}
