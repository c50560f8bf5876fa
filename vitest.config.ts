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

/**
 * Test files that run in one shared worker process per core instead of a fresh process each
 * (vitest's isolate: false), which saves importing tfjs and core/ again for every file: these 46
 * files took 96 CPU-s isolated and 41 shared (npx vitest run <files> [--no-isolate], 283 tests
 * passed both ways, load 10-14). They never start a tfjs backend (no test computes with tensors:
 * recorded per test in an isolated run), so tfjs' process-wide state (active backend, registered
 * kernels, the SIMD module) cannot change what they test; shared-worker.ts fails any test that
 * starts one. Files that compute stay isolated: run shared, catalogue files crashed in wasm
 * ("memory access out of bounds") after other files had changed that state.
 */
const SHARED_WORKER = [
  'test/unit/architecture/**/*.test.ts',
  'test/unit/editor/**/*.test.ts',
  'test/unit/electron/**/*.test.ts',
  // Not params-version: it mocks a module (vi.mock), which a shared module cache would defeat.
  'test/unit/graph/!(params-version).test.ts',
  'test/unit/node/**/*.test.ts',
  'test/unit/renderer/**/*.test.ts',
  'test/unit/scripts/**/*.test.ts',
  'test/unit/catalogue/backend-examples.test.ts',
  'test/unit/inspect/png.test.ts',
  'test/unit/inspect/roles.test.ts',
];

export default defineConfig({
  test: {
    // The include lists are the projects' (a list here would be added to both).
    projects: [
      {
        extends: true,
        test: { name: 'shared', include: SHARED_WORKER, isolate: false, setupFiles: ['test/unit/shared-worker.ts'] },
      },
      { extends: true, test: { name: 'isolated', include: ['test/unit/**/*.test.ts'], exclude: SHARED_WORKER } },
    ],
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
