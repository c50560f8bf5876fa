/**
 * Seeded randomness for datasets. Every generator, split and shuffle takes an explicit seed so the
 * same seed always gives the same bytes, in Node, a worker and the browser alike.
 */

/** Mixes 32-bit integers into one well-spread 32-bit seed (the splitmix32 finaliser). */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A small, fast seeded generator (mulberry32). Period 2^32, plenty for shuffles and sampling. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = mixSeed(seed) >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** Standard normal sample (Box-Muller; one value per call, simple over fast). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }
}

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number, seed: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  shuffleInPlace(order, new SeededRandom(seed));
  return order;
}

export function shuffleInPlace(values: Uint32Array | number[], random: SeededRandom): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const tmp = values[i] as number;
    values[i] = values[j] as number;
    values[j] = tmp;
  }
}
