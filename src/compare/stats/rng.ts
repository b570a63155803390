/**
 * A small seeded generator (xoshiro128**, Blackman & Vigna 2018) so that every random
 * figure evalgate prints — bootstrap intervals, simulations — comes out the same on every
 * machine and every run. Math.random cannot be seeded, and a report that changes when
 * nothing changed would be a false alarm of its own.
 */
export interface Rng {
  /** Uniform in [0, 1), 32 bits of randomness. */
  next(): number;
  /** Uniform integer in [0, n), n ≤ 2³². */
  int(n: number): number;
}

export function createRng(seed: number | string): Rng {
  return new Xoshiro128(typeof seed === 'string' ? hashString(seed) : seed >>> 0);
}

class Xoshiro128 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 spreads a small or structured seed over the four state words.
    let s = seed;
    const split = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) | 0;
    };
    this.a = split();
    this.b = split();
    this.c = split();
    this.d = split();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  private u32(): number {
    const b = this.b;
    const x = Math.imul(b, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9);
    const t = b << 9;
    this.c ^= this.a;
    this.d ^= b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return result >>> 0;
  }

  next = (): number => this.u32() / 4294967296;

  int = (n: number): number => Math.floor((this.u32() / 4294967296) * n);
}

/** FNV-1a: a stable 32-bit seed from text, e.g. `${seed}:${suite}:${metric}`. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
