/**
 * What a GAN's views and tests read from a compiled graph: its parts (found in the graph: the
 * Noise node, the generator's output, the discriminator's score of generated samples), the
 * generator and the discriminator as models of their own (the compiled model's layers and weights),
 * generated samples for given feeds, and a distance between generated and real samples (the
 * squared maximum mean discrepancy).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SymbolicTensor } from '../catalogue/decl';
import type { NoiseDistribution } from '../catalogue/layers/generative/noise';
import type { GanFormulation } from '../catalogue/layers/losses/gan';
import type { GraphDocument, GraphNode } from '../graph/document';
import { portsWithRole } from '../graph/port-roles';
import { reachable } from '../graph/reach';
import { inspectionModel, type CompiledGraph, type FeedTensors, type PortRef } from './compile';
import { releaseRerouted, rerouteModel, type ReroutedModel } from './reroute';

export interface GanRoles {
  noiseNodeId: string;
  noiseSize: number;
  distribution: NoiseDistribution;
  /** The generator's output: what the discriminator judges in place of real samples. */
  generated: PortRef;
  /** The Input node of the real samples. */
  realInput: string;
  /** The discriminator's scores of generated samples, as the generator's loss reads them. */
  fakeScore: PortRef;
  /** The formulation of the generator's loss (of the discriminator's when there is none). */
  formulation: GanFormulation;
  /** One generated sample's shape (without the batch), e.g. [2] or [28, 28, 1]. */
  sampleShape: number[];
}

function sourceOf(graph: GraphDocument, nodeId: string, port: string): PortRef | null {
  const edge = graph.edges.find((e) => e.target.node === nodeId && e.target.port === port);
  return edge ? { nodeId: edge.source.node, port: edge.source.port } : null;
}

export const sizeOf = (shape: readonly (number | null)[]): number => shape.reduce<number>((n, d) => n * (d ?? 1), 1);

/**
 * The GAN in a compiled graph, or null: a Noise node and a GAN loss reading the discriminator's
 * scores of generated samples. The generator's output is the last node computed from the noise,
 * before the discriminator (no node sharing weights upstream of it), whose samples have the real
 * samples' shape.
 */
export function ganRoles(graph: GraphDocument, compiled: CompiledGraph): GanRoles | null {
  // Found by the declarations' port roles: the noise output, the losses' real and fake scores.
  const analysis = compiled.analysis;
  const noiseId = portsWithRole(analysis, 'noise')[0]?.nodeId;
  const noise = graph.nodes.find((n) => n.id === noiseId);
  if (!noise) return null;
  const realPorts = portsWithRole(analysis, 'real-score', 'input');
  const fakePorts = portsWithRole(analysis, 'fake-score', 'input');
  // The discriminator's loss reads both scores; the generator's only the fake ones.
  const dPort = fakePorts.find((p) => realPorts.some((r) => r.nodeId === p.nodeId));
  const gPort = fakePorts.find((p) => !realPorts.some((r) => r.nodeId === p.nodeId));
  const dReal = dPort ? realPorts.find((r) => r.nodeId === dPort.nodeId) : undefined;
  const gLoss = gPort ? graph.nodes.find((n) => n.id === gPort.nodeId) : undefined;
  const dLoss = dPort ? graph.nodes.find((n) => n.id === dPort.nodeId) : undefined;
  const fakeScore = (gPort && sourceOf(graph, gPort.nodeId, gPort.port)) ?? (dPort && sourceOf(graph, dPort.nodeId, dPort.port)) ?? null;
  if (!fakeScore) return null;
  const realScore = dReal ? sourceOf(graph, dReal.nodeId, dReal.port) : null;
  const isInput = (id: string | undefined) => id !== undefined && analysis.nodes.get(id)?.decl?.kind === 'input';
  // The real samples: the largest float Input the discriminator reads on real data (else the one
  // the noise takes its batch size from).
  const feedOf = (id: string) => compiled.feeds.find((f) => f.nodeId === id);
  const realCandidates = realScore ? [...reachable(graph, [realScore.nodeId], 'up')].filter((id) => isInput(id) && feedOf(id)?.dtype === 'float32') : [];
  const batchSource = sourceOf(graph, noise.id, 'batch')?.nodeId;
  if (realCandidates.length === 0 && batchSource && isInput(batchSource)) realCandidates.push(batchSource);
  const realInput = realCandidates.sort((a, b) => sizeOf(feedOf(b)?.shape ?? []) - sizeOf(feedOf(a)?.shape ?? []))[0];
  const realShape = realInput ? feedOf(realInput)?.shape.slice(1) : undefined;
  if (!realInput || !realShape) return null;

  const fromNoise = reachable(graph, [noise.id], 'down');
  const intoScore = reachable(graph, [fakeScore.nodeId], 'up');
  const sharers = new Set(graph.nodes.filter((n) => n.shares !== undefined).map((n) => n.id));
  const sameShape = (t: SymbolicTensor | undefined) => !!t && t.shape.length === realShape.length + 1 && t.shape.slice(1).every((d, i) => d === realShape[i]);
  let generated: PortRef | null = null;
  for (const id of compiled.analysis.order) {
    if (id === noise.id || !fromNoise.has(id) || !intoScore.has(id) || sharers.has(id)) continue;
    if ([...reachable(graph, [id], 'up')].some((up) => sharers.has(up))) continue;
    const ports = compiled.nodeTensors.get(id) ?? {};
    const port = Object.keys(ports).find((p) => sameShape(ports[p]));
    if (port) generated = { nodeId: id, port };
  }
  if (!generated) return null;
  const lossNode = (gLoss ?? dLoss) as GraphNode;
  return {
    noiseNodeId: noise.id,
    noiseSize: Number(noise.params['size']),
    distribution: noise.params['distribution'] === 'uniform' ? 'uniform' : 'normal',
    generated,
    realInput,
    fakeScore,
    formulation: lossNode.params['formulation'] as GanFormulation,
    sampleShape: realShape.map((d) => d ?? 1),
  };
}

/** Whether the discriminator's verdicts are probabilities (the logit formulations) or raw scores. */
export function verdictIsProbability(formulation: GanFormulation): boolean {
  return formulation === 'minimax' || formulation === 'non-saturating';
}

export interface GanParts {
  generator: ReroutedModel;
  discriminator: ReroutedModel;
}

const partsCache = new WeakMap<CompiledGraph, GanParts>();

export function ganParts(compiled: CompiledGraph, roles: GanRoles): GanParts {
  let parts = partsCache.get(compiled);
  if (!parts) {
    const tensor = (ref: PortRef) => {
      const t = compiled.nodeTensors.get(ref.nodeId)?.[ref.port];
      if (!t) throw new Error(`node ${ref.nodeId} has no output "${ref.port}"`);
      return t;
    };
    const noise = tensor({ nodeId: roles.noiseNodeId, port: 'out' });
    const generated = tensor(roles.generated);
    const generator = rerouteModel(compiled, noise, generated, `${roles.noiseNodeId}_fixed_noise`);
    try {
      parts = { generator, discriminator: rerouteModel(compiled, generated, tensor(roles.fakeScore), `${roles.generated.nodeId}_points`) };
    } catch (err) {
      releaseRerouted(generator);
      throw err;
    }
    partsCache.set(compiled, parts);
  }
  return parts;
}

/** Drops the cached generator and discriminator parts (their references on the model's layers). */
export function disposeGanParts(compiled: CompiledGraph): void {
  const parts = partsCache.get(compiled);
  if (parts) {
    releaseRerouted(parts.generator);
    releaseRerouted(parts.discriminator);
  }
  partsCache.delete(compiled);
}


/** The outputs of `nodeId` (port `port`) for these feeds, in inference mode, as rows. */
export function nodeOutputRows(compiled: CompiledGraph, graph: GraphDocument, feeds: FeedTensors, nodeId: string, port = 'out'): number[][] {
  const { model, feeds: used } = inspectionModel(compiled, graph, [{ nodeId, port }]);
  const rows = tf.tidy(() => {
    const inputs = used.map((i) => feeds[i] as tf.Tensor);
    const out = model.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { training: false }) as tf.Tensor;
    return tf.reshape(out, [out.shape[0] ?? 0, -1]) as tf.Tensor2D;
  });
  try {
    return rows.arraySync();
  } finally {
    rows.dispose();
  }
}

/**
 * Squared MMD with a Gaussian kernel k(a, b) = exp(-|a - b|² / (2 bandwidth²)), the unbiased
 * estimate (Gretton et al. 2012): 0 in expectation when both sets come from one distribution.
 */
export function mmd2(a: readonly (readonly number[])[], b: readonly (readonly number[])[], bandwidth: number): number {
  const k = (x: readonly number[], y: readonly number[]) => {
    let d = 0;
    for (let i = 0; i < x.length; i++) d += ((x[i] as number) - (y[i] as number)) ** 2;
    return Math.exp(-d / (2 * bandwidth * bandwidth));
  };
  const within = (s: readonly (readonly number[])[]) => {
    let sum = 0;
    for (let i = 0; i < s.length; i++) for (let j = 0; j < s.length; j++) if (i !== j) sum += k(s[i] as number[], s[j] as number[]);
    return sum / (s.length * (s.length - 1));
  };
  let cross = 0;
  for (const x of a) for (const y of b) cross += k(x, y);
  return within(a) + within(b) - (2 * cross) / (a.length * b.length);
}

export interface GeneratedSamples {
  /** Row-major values, `count` samples of `shape` each. */
  values: Float32Array;
  count: number;
  /** The shape of one sample, e.g. [28, 28, 1]. */
  shape: number[];
}

/**
 * `count` samples of the generator output `nodeId`: its noise is drawn from the caller's
 * randomness (run it in a SeededScope for a fixed batch); a conditional generator's label input
 * (the feed bound to the feature `label`) gets `labels`; other feeds only set the batch size
 * (zeros: a Noise node reads the batch size from the real data).
 */
export function generateSamples(compiled: CompiledGraph, graph: GraphDocument, nodeId: string, count: number, labels?: readonly number[]): GeneratedSamples {
  const { model, feeds } = inspectionModel(compiled, graph, [{ nodeId, port: 'out' }]);
  const out = tf.tidy(() => {
    const inputs = feeds.map((i) => {
      const spec = compiled.feeds[i];
      if (!spec) throw new Error(`feed ${i} missing`);
      // The feed's shape starts with its batch dimension.
      const shape = [count, ...spec.shape.slice(1).map((d) => d ?? 1)];
      if (spec.feature === 'label') {
        if (!labels || labels.length !== count) throw new Error(`generating from ${nodeId} needs ${count} labels for its input ${spec.nodeId}`);
        return tf.tensor(Int32Array.from(labels), shape, 'int32');
      }
      return tf.zeros(shape, spec.dtype);
    });
    return model.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, { training: false }) as tf.Tensor;
  });
  try {
    return { values: out.dataSync() as Float32Array, count, shape: out.shape.slice(1) as number[] };
  } finally {
    out.dispose();
  }
}
