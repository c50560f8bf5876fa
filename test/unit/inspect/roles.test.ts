/**
 * The inspection views find a model's parts by the roles its declarations give ports
 * (`PortSpec.role`), not by type or port names: checked on the examples, and by a scan of
 * core/inspect for type-name comparisons.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeGraph, parseGraphText, type GraphDocument } from '../../../core/graph';
import { portsWithRole } from '../../../core/graph/port-roles';

function example(name: string): GraphDocument {
  const r = parseGraphText(readFileSync(`examples/${name}.json`, 'utf8'));
  if (!r.ok) throw new Error(`${name}: ${r.errors[0]?.message}`);
  return r.graph;
}

const typesOf = (graph: GraphDocument, refs: { nodeId: string; port: string }[]) =>
  refs.map((r) => `${graph.nodes.find((n) => n.id === r.nodeId)?.type}.${r.port}`);

describe('port roles', () => {
  it('name the attention maps, the sampler, the classifier, the conditional label and the GAN parts of the examples', () => {
    const roles = (name: string, role: Parameters<typeof portsWithRole>[1], side: 'input' | 'output' = 'output') => {
      const graph = example(name);
      return typesOf(graph, portsWithRole(analyzeGraph(graph), role, side));
    };
    expect(roles('seq2seq-dates', 'attention')).toEqual(['Attention.weights']);
    expect(roles('transformer-sentiment', 'attention').every((p) => p.endsWith('.weights'))).toBe(true);
    expect(roles('transformer-sentiment', 'attention').length).toBeGreaterThan(0);
    expect(roles('vae-mlp-mnist', 'sampler')).toEqual(['Sampling.z']);
    expect(roles('mlp-mnist', 'classifier', 'input')).toEqual(['SparseCategoricalCrossentropy.prediction']);
    expect(roles('cvae-mnist', 'class-index', 'input')).toEqual(['OneHot.in']);
    expect(roles('gan-2d', 'noise')).toEqual(['Noise.out']);
    expect(roles('gan-2d', 'real-score', 'input')).toEqual(['GANDiscriminatorLoss.real']);
    expect(roles('gan-2d', 'fake-score', 'input').sort()).toEqual(['GANDiscriminatorLoss.fake', 'GANGeneratorLoss.fake']);
    expect(roles('mlp-mnist', 'attention')).toEqual([]);
  });

  it('core/inspect compares no node or loss type names (it asks for roles)', () => {
    const dir = 'core/inspect';
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const found = files.flatMap((f) =>
      readFileSync(path.join(dir, f), 'utf8')
        .split('\n')
        .flatMap((line, i) => (/\.type\s*===?\s*'|'weights'\]/.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(found).toEqual([]);
  });
});
