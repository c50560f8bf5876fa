/**
 * vitest global setup: builds Netwright's SIMD kernels (core/engine/simd/kernels.c -> build/*.wasm)
 * when missing or older than the source, so the tests run the kernels of this checkout.
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-simd.mjs'], { stdio: 'inherit' });
}
