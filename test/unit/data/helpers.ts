/** Shared helpers for the dataset tests: make sure data/build exists, and read it. */
import { buildData, DEFAULT_OUT_DIR } from '../../../scripts/build-data';
import { nodeFileSource } from '../../../core/data/node-source';
import type { ByteSource } from '../../../core/data';

let built: Promise<void> | null = null;

/** Builds missing files of data/build (atomic writes, safe across parallel test files). */
export function ensureBuilt(): Promise<void> {
  built ??= buildData({ verify: false });
  return built;
}

export const buildDir = DEFAULT_OUT_DIR;

export function dataSource(): ByteSource {
  return nodeFileSource(DEFAULT_OUT_DIR);
}
