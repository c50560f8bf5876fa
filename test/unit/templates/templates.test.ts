import * as tf from '@tensorflow/tfjs-core';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileSeeded, runTraining } from '../../../core/engine/run';
import { analyzeGraph, parseGraphText, serializeGraph, summarize } from '../../../core/graph';
import { TEMPLATES } from '../../../core/templates';
import { loadBundledDataset } from '../../../cli/load-dataset';
import { selectNodeBackend } from '../../../cli/node-backend';

const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');

beforeAll(async () => {
  // The CLI's backend set-up: wasm with the engine's kernel fixes.
  const choice = await selectNodeBackend('wasm');
  expect(choice.backend).toBe('wasm');
  expect(tf.getBackend()).toBe('wasm');
});

describe('templates and examples/', () => {
  it('every example file is exactly what its template builds', () => {
    const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(TEMPLATES.map((t) => `${t.id}.json`).sort());
    for (const t of TEMPLATES) {
      expect(readFileSync(join(EXAMPLES, `${t.id}.json`), 'utf8'), `${t.id}: run npm run examples`).toBe(serializeGraph(t.build()));
    }
  });

  it('reference totals: MLP 101,770, LeNet (28x28, same-padded conv1) 61,706, MLP VAE 571,324', () => {
    const total = (id: string) => {
      const t = TEMPLATES.find((x) => x.id === id);
      if (!t) throw new Error(id);
      const g = t.build();
      return summarize(g, analyzeGraph(g)).totals.total;
    };
    expect(total('mlp-mnist')).toBe(101_770);
    expect(total('lenet-mnist')).toBe(61_706);
    expect(total('vae-mlp-mnist')).toBe(571_324);
  });

  for (const t of TEMPLATES) {
    it(`${t.id}: parses, has no errors or warnings, and trains a step on its dataset`, async () => {
      const parsed = parseGraphText(readFileSync(join(EXAMPLES, `${t.id}.json`), 'utf8'));
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      const graph = parsed.graph;
      expect(analyzeGraph(graph).issues).toEqual([]);
      graph.training.epochs = 1;
      graph.training.batchSize = 8;
      // Decoded once per dataset for the file (11 templates read MNIST or Fashion-MNIST).
      const dataset = await loadBundledDataset(graph.training.dataset?.id as string);
      const compiled = compileSeeded(graph);
      const result = await runTraining(graph, compiled, dataset, { backend: 'wasm', limit: 16 });
      expect(result.status).toBe('completed');
      expect(Number.isFinite(result.epochs[0]?.loss)).toBe(true);
      result.trainer.dispose();
      compiled.model.dispose();
    });
  }
});
