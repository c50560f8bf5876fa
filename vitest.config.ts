import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * The longest test files, longest first. Measured 2026-12-06 with `npx vitest run --reporter=json`
 * (file end - start, 2 workers, load 16-27): webgpu-templates 940 s, gan-images 593, cli/inspect
 * 1311 before the CLI decoded each dataset once per process (its CPU time then fell 113 -> 42 s,
 * so ~490 s), backend-webgpu 541, kill 237, data/images 178, inspection-leaks 64, decode 47,
 * engine/inspect 47, seq2seq 28, gan 27, corruption 24 (as matmul-kernels and keep); every other
 * file 23 s or less. On a fresh clone vitest has no timings yet and starts the largest files
 * first, which put the long ones last: with two workers the run ended on one of them while the
 * other core idled. A file missing from the list only loses its head start.
 */
const SLOW_FIRST = [
  'test/unit/engine/webgpu-templates.test.ts',
  'test/unit/engine/gan-images.test.ts',
  'test/unit/cli/inspect.test.ts',
  'test/unit/engine/backend-webgpu.test.ts',
  'test/unit/cli/kill.test.ts',
  'test/unit/data/images.test.ts',
  'test/unit/engine/inspection-leaks.test.ts',
  'test/unit/engine/decode.test.ts',
  'test/unit/engine/inspect.test.ts',
  'test/unit/data/seq2seq.test.ts',
  'test/unit/engine/gan.test.ts',
  'test/unit/data/corruption.test.ts',
];

/** vitest's order (unknown or larger files first, then by its cached timings), with SLOW_FIRST ahead. */
class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const at = SLOW_FIRST.indexOf(relative(spec.project.config.root, spec.moduleId).split('\\').join('/'));
      return at < 0 ? SLOW_FIRST.length : at;
    };
    const sorted = await super.sort(files);
    // Array.prototype.sort is stable: files outside the list keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    // Builds the SIMD kernels (scripts/build-simd.mjs; clang + lld) when they are missing or stale.
    globalSetup: ['test/unit/global-setup.ts'],
    environment: 'node',
    testTimeout: 60_000,
    pool: 'forks',
    // One test file per core. vitest's default keeps a core for its own process (one worker on a
    // 2-core CI machine), which mostly waits on the workers.
    maxWorkers: availableParallelism(),
    sequence: { sequencer: SlowFirstSequencer },
  },
});
