import { describe, expect, it } from 'vitest';
import { rateAfterWarmup, type Reading } from '../../../scripts/bench-rate';

describe('rateAfterWarmup (bench:browser)', () => {
  it('times only the steps after the warm-up, on the trainer clock', () => {
    // A slow first step (1 s), then 0.1 s per step of 64 samples: 640 samples/s after it.
    const at = (s: number): Reading => [s, (s * 64) / (1 + (s - 1) * 0.1)];
    expect(rateAfterWarmup([at(1), at(3), at(12), at(20), at(30)], 10, 64)).toBeCloseTo(640, 6);
    // The trainer's own figure at the end averages in the slow first step: 1,920 samples in 3.9 s.
    expect(at(30)[1]).toBeCloseTo(492.3, 1);
  });

  it('refuses readings that leave nothing to time', () => {
    expect(() => rateAfterWarmup([[2, 100], [5, 120]], 10, 64)).toThrow(/too few progress readings after 10 warm-up steps/);
    expect(() => rateAfterWarmup([[12, 100]], 10, 64)).toThrow(/too few/);
  });
});
