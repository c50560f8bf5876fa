import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ImportError } from '../../../core/import/errors';
import { importLayersModel } from '../../../core/import/layers-model';
import { baseModels, cloneModelCase, modelMutationArb, mutateModel, type ModelCase, type ModelMutation } from '../../support/hostile-models';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function outcome(c: ModelCase): Promise<{ ok: true } | { ok: false; error: unknown }> {
  try {
    await importLayersModel({ modelJson: JSON.stringify(c.json), shard: (p) => c.shards.get(p) }, { name: 'hostile', backend: 'cpu' });
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

async function refusal(base: number, ...mutations: ModelMutation[]): Promise<string> {
  const c = cloneModelCase(baseModels()[base] as ModelCase);
  for (const m of mutations) mutateModel(c, m);
  const result = await outcome(c);
  if (result.ok) throw new Error('expected a refusal');
  expect(result.error).toBeInstanceOf(ImportError);
  return (result.error as Error).message;
}

describe('hostile model files get clear errors', () => {
  it('the base models import', async () => {
    for (const c of baseModels()) expect(await outcome(c)).toEqual({ ok: true });
  });

  it('a truncated shard, a padded one, a missing one', async () => {
    expect(await refusal(0, { kind: 'truncateShard', pick: 1, keep: 10 })).toMatch(/'group1-shard1of2\.bin', 'group1-shard2of2\.bin' hold 50 bytes but the manifest's weights need 92/);
    expect(await refusal(1, { kind: 'padShard', pick: 0, extra: 4 })).toMatch(/'weights\.bin' holds 60 bytes but the manifest's weights need 56/);
    expect(await refusal(0, { kind: 'dropShard', pick: 0 })).toMatch(/the weight file 'group1-shard1of2\.bin' is missing/);
  });

  it('huge, negative and mismatched declared shapes, before allocating', async () => {
    expect(await refusal(0, { kind: 'weightShape', pick: 0, shape: [100_000, 100_000] })).toMatch(/weight 'd1\/kernel' \[100000,100000\]: the weights declare more than/);
    expect(await refusal(0, { kind: 'weightShape', pick: 0, shape: [-1, 3] })).toMatch(/shape of weight 'd1\/kernel': expected up to 8 non-negative integers/);
    expect(await refusal(1, { kind: 'weightShape', pick: 0, shape: [2, 3] }, { kind: 'weightShape', pick: 1, shape: [3] })).toMatch(/bytes but the manifest's weights need|don't fit/);
  });

  it('cyclic and dangling layer references, deep nesting', async () => {
    expect(await refusal(1, { kind: 'cycle', pick: 0 })).toMatch(/model 'fn' layer 2 'a': reads layer 'out', which is not defined before it \(unknown, or a cycle\)/);
    expect(await refusal(1, { kind: 'dangling', pick: 1 })).toMatch(/reads layer 'no_such_layer'/);
    expect(await refusal(0, { kind: 'deepNesting', depth: 60 })).toMatch(/nested more than 16 deep/);
  });

  it('seeded mutations: every outcome is an import or an ImportError, never another exception', async () => {
    const cases = fc.sample(fc.record({ base: fc.nat(1), mutations: fc.array(modelMutationArb, { minLength: 1, maxLength: 3 }) }), { numRuns: 60, seed: 11 });
    const before = tf.memory().numTensors;
    const other: string[] = [];
    for (const { base, mutations } of cases) {
      const c = cloneModelCase(baseModels()[base] as ModelCase);
      for (const m of mutations) mutateModel(c, m);
      const result = await outcome(c);
      if (!result.ok && !(result.error instanceof ImportError)) other.push(`${JSON.stringify(mutations).slice(0, 200)}: ${String(result.error)}`);
    }
    expect(other).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
