import { describe, expect, it } from 'vitest';
import { MAX_WASM_THREADS, parseWasmThreads } from '../../../renderer/engine/wasm-threads';

describe('parseWasmThreads', () => {
  it('takes whole numbers from 1 to the pool size tfjs keeps', () => {
    expect(parseWasmThreads('1')).toBe(1);
    expect(parseWasmThreads(' 2 ')).toBe(2);
    expect(parseWasmThreads(String(MAX_WASM_THREADS))).toBe(MAX_WASM_THREADS);
  });

  it('refuses anything else (the default applies)', () => {
    for (const raw of [null, undefined, '', '0', '-1', '1.5', '2x', String(MAX_WASM_THREADS + 1), 'default']) {
      expect(parseWasmThreads(raw)).toBeNull();
    }
  });
});
