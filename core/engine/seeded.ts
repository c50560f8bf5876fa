/**
 * Reproducible randomness for tfjs. tfjs initializers, dropout and random ops draw their seed from
 * `Math.random()` when none is given; running weight initialization and each training step with a
 * seeded `Math.random` makes a run repeat exactly for the same seed and backend.
 */
import { SeededRandom } from '../data/random';

export class SeededScope {
  private readonly random: SeededRandom;

  constructor(seed: number) {
    this.random = new SeededRandom(seed);
  }

  /** Runs `fn` (synchronously) with Math.random drawing from this scope's generator. */
  run<T>(fn: () => T): T {
    const original = Math.random;
    Math.random = () => this.random.next();
    try {
      return fn();
    } finally {
      Math.random = original;
    }
  }
}
