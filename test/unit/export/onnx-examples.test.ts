/**
 * Every example graph exported to ONNX and run in ONNX Runtime gives tfjs' outputs within 1e-5
 * (max |difference| / max |tfjs output|, per output) for the same inputs and weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseGraphText, type GraphDocument } from '../../../core/graph';
import { onnxRefusals } from '../../../core/export/onnx';
import { compareWithOrt, meanSampling, onnxInitializerValues } from './onnx-harness';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const DIR = join(__dirname, '../../../examples');
const EXAMPLES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

function load(file: string): GraphDocument {
  const parsed = parseGraphText(readFileSync(join(DIR, file), 'utf8'));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.errors.map((e) => e.message).join('; ')}`);
  return parsed.graph;
}

/** Examples the export refuses, with the node type it names (a GAN's Noise cannot be repeated by a runtime). */
const REFUSED: Readonly<Record<string, string>> = { 'gan-2d.json': 'Noise', 'dcgan-mnist.json': 'Noise', 'dcgan-fashion-mnist.json': 'Noise', 'cgan-mnist.json': 'Noise' };

describe('ONNX export of the examples, checked with ONNX Runtime', () => {
  it.each(Object.keys(REFUSED))('%s is refused with a reason', (file) => {
    const refusals = onnxRefusals(load(file));
    expect(refusals.map((r) => r.type)).toContain(REFUSED[file]);
    for (const r of refusals) expect(r.reason.length).toBeGreaterThan(20);
  });

  it.each(EXAMPLES.filter((f) => !(f in REFUSED)))('%s', async (file) => {
    const graph = meanSampling(load(file));
    const result = await compareWithOrt(graph);
    expect(result.exported.outputs.length).toBeGreaterThan(0);
    expect(result.exported.parameterCount).toBe(result.tfjsParams);
    // The file itself holds every weight once (read back from its bytes).
    expect(onnxInitializerValues(result.exported.bytes), `${file}: values in the weight initializers`).toBe(result.tfjsParams);
    for (const [name, rel] of Object.entries(result.relative)) {
      expect(rel, `${file} output ${name}`).toBeLessThan(1e-5);
    }
    expect(Object.keys(result.relative).length).toBe(result.exported.outputs.length);
    expect(result.numTensorsAfter).toBe(result.numTensorsBefore);
    console.log(`${file}: params ${result.tfjsParams}, max relative ${Math.max(...Object.values(result.relative)).toExponential(2)}`);
  });
});
