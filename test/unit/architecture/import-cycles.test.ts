/**
 * No module imports a module that imports it back (directly or around a loop), in core/, the
 * renderer, the CLI, electron/, node/ and scripts/: madge (pinned) reads every import, type-only
 * ones included. A type-only cycle does not break at run time, but it ties two modules together:
 * the shared types move down to a module both can import (graph/analysis-types.ts, json-path.ts).
 */
import madge from 'madge';
import { describe, expect, it } from 'vitest';

const SOURCE_DIRS = ['core', 'renderer', 'cli', 'electron', 'node', 'scripts'];

async function cycles(dirs: string | string[]): Promise<string[][]> {
  const graph = await madge(dirs, {
    fileExtensions: ['ts', 'tsx', 'mjs'],
    tsConfig: 'tsconfig.json',
    detectiveOptions: { ts: { skipTypeImports: false }, tsx: { skipTypeImports: false } },
  });
  return graph.circular();
}

describe('no import cycles', () => {
  it('madge finds a cycle where there is one (it can fail)', async () => {
    // parse.ts and json-budget.ts imported each other before json-path.ts took their shared helpers.
    expect(await cycles('test/unit/architecture/fixtures/cycle')).toEqual([['a.ts', 'b.ts']]);
  });

  it('madge finds a cycle made of type-only imports', async () => {
    expect(await cycles('test/unit/architecture/fixtures/type-cycle')).toEqual([['a.ts', 'b.ts']]);
  });

  it('none among the modules of core/, renderer/, cli/, electron/, node/ and scripts/', async () => {
    expect(await cycles(SOURCE_DIRS)).toEqual([]);
  });
}, 120_000);
