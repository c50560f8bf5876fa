/**
 * No module of core/ imports, at run time, a module that imports it back (directly or around a
 * loop): madge (pinned) reads every import of core/. Type-only imports are left out: they vanish
 * when compiled and cannot make a module see another half-initialised.
 */
import madge from 'madge';
import { describe, expect, it } from 'vitest';

async function cycles(dir: string): Promise<string[][]> {
  const graph = await madge(dir, { fileExtensions: ['ts'], tsConfig: 'tsconfig.json', detectiveOptions: { ts: { skipTypeImports: true } } });
  return graph.circular();
}

describe('core/ has no import cycles', () => {
  it('madge finds a cycle where there is one (it can fail)', async () => {
    // parse.ts and json-budget.ts imported each other before json-path.ts took their shared helpers.
    const found = await cycles('test/unit/architecture/fixtures/cycle');
    expect(found).toEqual([['a.ts', 'b.ts']]);
  });

  it('none among the modules of core/', async () => {
    expect(await cycles('core')).toEqual([]);
  });
}, 120_000);
