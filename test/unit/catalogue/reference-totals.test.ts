/**
 * Reference networks whose parameter counts are known in closed form, chained through the
 * registered declarations' shape rules and counts (and cross-checked against a real tfjs model).
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import type { LayerDecl, SymbolicTensor } from '../../../core/catalogue/decl';
import { paramsObjectSchema } from '../../../core/catalogue/params';
import { getDecl } from '../../../core/catalogue/registry';
import type { Shape } from '../../../core/shapes/shape';

function layerDecl(type: string): LayerDecl {
  const decl = getDecl(type);
  if (!decl || decl.kind === 'loss') throw new Error(`${type} is not a registered layer`);
  return decl;
}

/** A node of a small graph: its shapes, parameter count and a tfjs tensor built from the same declaration. */
interface Built {
  shape: Shape;
  params: number;
  tensor: SymbolicTensor;
}

let nodeCount = 0;

function apply(type: string, rawParams: Record<string, unknown>, inputs: Record<string, Built[]>): Built {
  const decl = layerDecl(type);
  const params = paramsObjectSchema(decl.params).parse(rawParams);
  expect(decl.validateParams?.(params) ?? []).toEqual([]);
  const shapes: Record<string, Shape[]> = {};
  const tensors: Record<string, SymbolicTensor[]> = {};
  for (const [port, nodes] of Object.entries(inputs)) {
    shapes[port] = nodes.map((n) => n.shape);
    tensors[port] = nodes.map((n) => n.tensor);
  }
  const ctx = { params, inputs: shapes };
  const out = decl.inferShapes(ctx).out as Shape;
  const count = decl.countParams(ctx);
  const tensor = decl.build({ params, name: `ref_${type.toLowerCase()}_${nodeCount++}`, inputs: tensors }).out as SymbolicTensor;
  return { shape: out, params: count.trainable + count.nonTrainable, tensor };
}

function input(shape: number[]): Built {
  return { shape: [null, ...shape], params: 0, tensor: tfl.input({ shape }) };
}

const chain = (x: Built, type: string, params: Record<string, unknown> = {}) => apply(type, params, { in: [x] });

describe('reference parameter totals', () => {
  it('LeNet on 32x32x3 has 62,006 parameters', () => {
    const x = input([32, 32, 3]);
    const c1 = chain(x, 'Conv2D', { filters: 6, kernelSize: [5] });
    const p1 = chain(c1, 'MaxPool2D', { poolSize: [2] });
    const c2 = chain(p1, 'Conv2D', { filters: 16, kernelSize: [5] });
    const p2 = chain(c2, 'MaxPool2D', { poolSize: [2] });
    const f = chain(p2, 'Flatten');
    const d1 = chain(f, 'Dense', { units: 120 });
    const d2 = chain(d1, 'Dense', { units: 84 });
    const d3 = chain(d2, 'Dense', { units: 10 });
    const layers = [c1, p1, c2, p2, f, d1, d2, d3];
    expect(layers.map((l) => l.shape)).toEqual([
      [null, 28, 28, 6],
      [null, 14, 14, 6],
      [null, 10, 10, 16],
      [null, 5, 5, 16],
      [null, 400],
      [null, 120],
      [null, 84],
      [null, 10],
    ]);
    expect(layers.map((l) => l.params)).toEqual([456, 0, 2416, 0, 0, 48_120, 10_164, 850]);
    const total = layers.reduce((n, l) => n + l.params, 0);
    expect(total).toBe(62_006);
    const model = tfl.model({ inputs: x.tensor, outputs: d3.tensor });
    expect(model.countParams()).toBe(total);
    model.dispose();
  });

  it.each([1, 3, 8, 50])('the text CNN over 11 steps of %i features has 28 * D + 29 parameters', (features) => {
    const x = input([11, features]);
    const narrow = chain(x, 'Conv1D', { filters: 4, kernelSize: 2 });
    const wide = chain(x, 'Conv1D', { filters: 5, kernelSize: 4 });
    const narrowMax = chain(narrow, 'GlobalMaxPool1D');
    const wideMax = chain(wide, 'GlobalMaxPool1D');
    const joined = apply('Concatenate', {}, { in: [narrowMax, wideMax] });
    const logits = chain(joined, 'Dense', { units: 2 });
    expect([narrow.shape, wide.shape, joined.shape, logits.shape]).toEqual([
      [null, 10, 4],
      [null, 8, 5],
      [null, 9],
      [null, 2],
    ]);
    const total = [narrow, wide, narrowMax, wideMax, joined, logits].reduce((n, l) => n + l.params, 0);
    expect(total).toBe(28 * features + 29);
    const model = tfl.model({ inputs: x.tensor, outputs: logits.tensor });
    expect(model.countParams()).toBe(total);
    model.dispose();
  });
});
