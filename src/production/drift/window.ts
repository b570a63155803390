/**
 * A window of records reduced to what drift compares: every value of each numeric feature
 * (its quantiles are needed), and counts for categorical features and rates. Generic over
 * the row, so the same code reads production records and the calibration test's synthetic
 * feature vectors.
 */

export type FeatureKind = 'numeric' | 'categorical' | 'rate';

export interface FeatureSpec<T> {
  name: string;
  kind: FeatureKind;
  /** The row's value; undefined when the row does not have it (it is then not counted). */
  get(row: T): number | string | boolean | undefined;
}

/** Numbers appended to a Float64Array that doubles as it fills: 8 bytes a value. */
export class NumberColumn {
  private data = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }
  /** The values, sorted ascending (a copy). */
  sorted(): Float64Array {
    return this.data.slice(0, this.length).sort();
  }
}

/**
 * Rate features whose names are only known from the rows themselves (online graders'
 * `grades.<name>` in records): each row yields its [feature name, value] pairs.
 */
export type DynamicRates<T> = (row: T) => Iterable<readonly [string, boolean]>;

export class Window<T> {
  /** Rows added. */
  size = 0;
  readonly numbers = new Map<string, NumberColumn>();
  readonly counts = new Map<string, Map<string, number>>();
  /** The names `dynamic` yielded, in the order first seen. */
  readonly dynamicNames: string[] = [];

  constructor(
    readonly specs: readonly FeatureSpec<T>[],
    private readonly dynamic?: DynamicRates<T>,
  ) {
    for (const s of specs)
      if (s.kind === 'numeric') this.numbers.set(s.name, new NumberColumn());
      else this.counts.set(s.name, new Map());
  }

  add(row: T): void {
    this.size++;
    for (const s of this.specs) {
      const v = s.get(row);
      if (v === undefined) continue;
      if (s.kind === 'numeric') {
        if (typeof v === 'number' && Number.isFinite(v)) this.numbers.get(s.name)!.push(v);
      } else {
        const key = s.kind === 'rate' ? (v ? 'yes' : 'no') : String(v);
        const m = this.counts.get(s.name)!;
        m.set(key, (m.get(key) ?? 0) + 1);
      }
    }
    if (!this.dynamic) return;
    for (const [name, v] of this.dynamic(row)) {
      let m = this.counts.get(name);
      if (!m) {
        this.counts.set(name, (m = new Map()));
        this.dynamicNames.push(name);
      }
      const key = v ? 'yes' : 'no';
      m.set(key, (m.get(key) ?? 0) + 1);
    }
  }
}
