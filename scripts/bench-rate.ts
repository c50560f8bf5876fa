/** Throughput after a warm-up from a trainer's progress readings (scripts/bench-browser.ts). */

/** One progress reading: steps done and the trainer's samples/s since the epoch began. */
export type Reading = [steps: number, samplesPerSecond: number];

/**
 * Samples/s between the first reading at or after `warmup` steps and the last one, from the
 * trainer's clock: at step s its elapsed time is s * batch / (samples/s at s). Every step is a
 * full batch (the run's sample limit is a multiple of it).
 */
export function rateAfterWarmup(readings: readonly Reading[], warmup: number, batch: number): number {
  const first = readings.find(([s]) => s >= warmup);
  const last = readings.at(-1);
  if (!first || !last || last[0] <= first[0]) {
    throw new Error(`too few progress readings after ${warmup} warm-up steps (${readings.length} readings, last at step ${last?.[0] ?? 0})`);
  }
  const elapsed = (r: Reading) => (r[0] * batch) / r[1];
  const seconds = elapsed(last) - elapsed(first);
  if (!(seconds > 0)) throw new Error(`progress readings go back in time (step ${first[0]} at ${elapsed(first)} s, step ${last[0]} at ${elapsed(last)} s)`);
  return ((last[0] - first[0]) * batch) / seconds;
}
