/**
 * The real PyTorch as the oracle of the PyTorch export: graphs are compiled with tfjs (seeded
 * weights), exported with those weights, and test/python/verify_pytorch_export.py runs the
 * exported module on the same inputs with Debian's python3-torch (/usr/bin/python3).
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { loadDataset, SeededRandom } from '../../../core/data';
import { fullGradients } from '../../../core/engine/inspect';
import { compileSeeded } from '../../../core/engine/run';
import { captureWeights } from '../../../core/engine/weights';
import { buildModelPy, buildPytorchProject, ExportRefusal, npzBytes, weightsByNode, type NpyArray } from '../../../core/export/pytorch';
import { getDecl } from '../../../core/catalogue/registry';
import { nodeFileSource } from '../../../core/data/node-source';
import { analyzeGraph, type GraphDocument } from '../../../core/graph';
import { runCli } from '../cli/run-cli';

/** This folder (an ES module: no __dirname when scripts/ run it with tsx). */
const HERE = dirname(fileURLToPath(import.meta.url));

export const PYTHON = process.env['NETWRIGHT_TORCH_PYTHON'] ?? '/usr/bin/python3';
export const VERIFY_SCRIPT = resolve(HERE, '../../python/verify_pytorch_export.py');

/** Why PyTorch checks cannot run here, or null when /usr/bin/python3 imports torch. */
export function torchUnavailable(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} cannot be run (${probe.error.message})`;
  if (probe.status !== 0) return `${PYTHON} has no torch/numpy (apt-get install python3-torch python3-numpy)`;
  return null;
}

/** In CI the checks must run: a missing torch fails instead of skipping. */
export function skipReason(): string | null {
  const why = torchUnavailable();
  if (why && process.env['CI']) throw new Error(`PyTorch export checks cannot run in CI: ${why}`);
  return why;
}

export interface PreparedCase {
  name: string;
  dir: string;
  trainable: number;
  nonTrainable: number;
  outputs: string[];
  losses: string[];
  /** PyTorch parameters whose gradient tfjs computed (empty when gradients were not asked for). */
  gradients: string[];
}

export type Prepared = { ok: true; case: PreparedCase } | { ok: false; name: string; refusal: string };

/** Largest id + 1 an int input may hold: the vocabulary or class count of what reads it. */
function intLimit(graph: GraphDocument, nodeId: string): number {
  const analysis = analyzeGraph(graph);
  let limit = Infinity;
  for (const e of graph.edges.filter((x) => x.source.node === nodeId)) {
    const target = graph.nodes.find((n) => n.id === e.target.node);
    if (!target) continue;
    if (target.type === 'Embedding') limit = Math.min(limit, target.params['inputDim'] as number);
    else if (target.type === 'OneHot') limit = Math.min(limit, target.params['depth'] as number);
    else {
      const prediction = analysis.nodes.get(target.id)?.inputs['prediction']?.[0];
      const classes = prediction?.[prediction.length - 1];
      if (typeof classes === 'number') limit = Math.min(limit, classes);
    }
  }
  return Number.isFinite(limit) ? limit : 2;
}

/** Compiles with tfjs, exports with the compiled weights and writes the check data for Python. */
/**
 * Replaces every weight with seeded values in [-0.5, 0.5) (kernels / sqrt(fan-in); variances in [0.5, 1.5)): Keras starts
 * some weights at zero or one (biases, coupling outputs, norms), where a wrong layout or a missing
 * term would go unnoticed.
 */
function randomize(compiled: ReturnType<typeof compileSeeded>, random: SeededRandom): void {
  for (const layer of compiled.model.layers) {
    for (const w of layer.weights) {
      const dims = w.shape.map((d) => d ?? 1);
      const size = dims.reduce((a, b) => a * b, 1);
      // Kernels scaled by 1/sqrt(fan-in) keep activations in a realistic range.
      const scale = dims.length >= 2 ? 1 / Math.sqrt(size / (dims[dims.length - 1] as number)) : 1;
      const values = Float32Array.from({ length: size }, () =>
        w.originalName.includes('variance') ? 0.5 + random.next() : (random.next() - 0.5) * scale,
      );
      const t = tf.tensor(values, w.shape.map((d) => d ?? 1));
      w.write(t);
      t.dispose();
    }
  }
}

/**
 * The gradient of the weighted total loss (inference mode, as the check's forward) for every
 * trainable weight, converted to PyTorch's layouts by the export itself: the gradients are written
 * into the weights for a moment and exported like weights (every conversion is a transpose or a
 * reshape, so it maps gradients as it maps weights). Keys are state_dict keys.
 */
function gradientsByKey(compiled: ReturnType<typeof compileSeeded>, graph: GraphDocument, feeds: tf.Tensor[]): { loss: number; byKey: Map<string, NpyArray> } {
  const full = fullGradients(compiled, feeds);
  const trainables = compiled.model.layers.flatMap((layer) => layer.trainableWeights);
  const originals = trainables.map((w) => w.read().clone());
  try {
    trainables.forEach((w, i) => {
      const g = full.gradients[i];
      if (!g) throw new Error(`no gradient for ${w.name}`);
      const t = tf.tensor(g.values, g.shape);
      w.write(t);
      t.dispose();
    });
    const asWeights = weightsByNode(compiled.layerNames, captureWeights(compiled.model));
    const model = buildModelPy(graph, analyzeGraph(graph), asWeights);
    const byKey = new Map<string, NpyArray>(model.state.map((s) => [s.key, { dtype: 'float32', shape: s.shape, values: s.values }]));
    return { loss: full.loss, byKey };
  } finally {
    trainables.forEach((w, i) => w.write(originals[i] as tf.Tensor));
    tf.dispose(originals);
  }
}

/**
 * `gradients`: also one training step's loss and gradients (tfjs' fullGradients in inference
 * mode), for verify_pytorch_export.py to compare with PyTorch's backward pass.
 */
export function prepareCase(
  name: string,
  graph: GraphDocument,
  root: string,
  batch = 5,
  randomWeights = true,
  gradients = false,
  /** What forward() returns for a graph without losses (as for a sub-model). */
  outputs?: readonly { node: string; port: string }[],
): Prepared {
  const analysis = analyzeGraph(graph);
  const compiled = compileSeeded(graph);
  try {
    if (randomWeights) randomize(compiled, new SeededRandom(name.length * 104_729 + 3));
    const saved = captureWeights(compiled.model);
    let project;
    try {
      project = buildPytorchProject({ graph, analysis, weights: weightsByNode(compiled.layerNames, saved), ...(outputs ? { outputs } : {}) });
    } catch (err) {
      if (err instanceof ExportRefusal) return { ok: false, name, refusal: err.message };
      throw err;
    }
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    for (const file of ['model.py', 'weights.npz']) writeFileSync(join(dir, file), project.files.get(file) as Uint8Array);
    const random = new SeededRandom(name.length * 7919 + 17);
    const arrays = new Map<string, NpyArray>();
    const feedTensors = compiled.feeds.map((feed) => {
      const shape = [batch, ...feed.shape.slice(1).map((d) => d ?? 1)];
      const size = shape.reduce((a, b) => a * b, 1);
      const pyName = [...project.model.inputs, ...project.model.targets].find((i) => i.nodeId === feed.nodeId)?.name;
      if (feed.dtype === 'int32') {
        const limit = intLimit(graph, feed.nodeId);
        const values = Int32Array.from({ length: size }, () => Math.floor(random.next() * limit));
        if (pyName) arrays.set(`in.${pyName}`, { dtype: 'int32', shape, values });
        return tf.tensor(values, shape, 'int32');
      }
      const values = Float32Array.from({ length: size }, () => (/mask/i.test(feed.feature) ? (random.next() < 0.7 ? 1 : 0) : random.next()));
      if (pyName) arrays.set(`in.${pyName}`, { dtype: 'float32', shape, values });
      return tf.tensor(values, shape, 'float32');
    });
    const modelInputs = compiled.modelInputs.map((i) => feedTensors[i] as tf.Tensor);
    // apply, not predict: predict would expand rank-1 inputs (labels) to [batch, 1].
    const predicted = compiled.model.apply(modelInputs, { training: false }) as tf.Tensor | tf.Tensor[];
    const outs = Array.isArray(predicted) ? predicted : [predicted];
    for (const o of project.model.outputs) {
      const index = compiled.outputs.findIndex((c) => c.nodeId === o.nodeId && c.port === o.port);
      const t = outs[index];
      if (!t) throw new Error(`${name}: tfjs has no output ${o.nodeId}:${o.port}`);
      arrays.set(`out.${o.key}`, { dtype: 'float32', shape: t.shape, values: Float32Array.from(t.dataSync()) });
    }
    for (const binding of compiled.losses) {
      const tensors: Record<string, tf.Tensor> = {};
      for (const [port, source] of Object.entries(binding.sources)) {
        tensors[port] = (source.kind === 'feed' ? feedTensors[source.feed] : outs[source.output]) as tf.Tensor;
      }
      const value = binding.decl.compute(tensors, binding.params as never);
      const loss = project.model.losses.find((l) => l.nodeId === binding.nodeId);
      if (loss) arrays.set(`loss.${loss.name}`, { dtype: 'float32', shape: [], values: Float32Array.from(value.dataSync()) });
      value.dispose();
    }
    const gradientKeys: string[] = [];
    if (gradients) {
      const { loss, byKey } = gradientsByKey(compiled, graph, feedTensors);
      arrays.set('total_loss', { dtype: 'float32', shape: [], values: Float32Array.of(loss) });
      for (const [key, array] of byKey) {
        arrays.set(`grad.${key}`, array);
        gradientKeys.push(key);
      }
    }
    tf.dispose([...feedTensors, ...outs]);
    writeFileSync(join(dir, 'check.npz'), npzBytes(arrays));
    return {
      ok: true,
      case: {
        name,
        dir,
        trainable: project.model.parameterCount.trainable,
        nonTrainable: project.model.parameterCount.nonTrainable,
        outputs: project.model.outputs.map((o) => o.key),
        losses: project.model.losses.map((l) => l.name),
        gradients: gradientKeys,
      },
    };
  } finally {
    compiled.model.dispose();
  }
}

export interface CaseResult {
  name: string;
  error?: string;
  trainable: number;
  nonTrainable: number;
  outputs: Record<string, number>;
  losses: Record<string, number>;
  /** The weighted total loss, relative to tfjs' (when gradients were compared). */
  totalLoss?: number;
  /** Per trainable PyTorch parameter: its gradient relative to tfjs' (max |difference| / max |tfjs|). */
  gradients: Record<string, number>;
}

/** Runs every prepared case in one Python process. */
export function runPython(cases: readonly PreparedCase[]): Map<string, CaseResult> {
  const root = mkdtempSync(join(tmpdir(), 'netwright-torch-cases-'));
  const list = join(root, 'cases.json');
  writeFileSync(list, JSON.stringify(cases.map((c) => ({ name: c.name, dir: c.dir }))));
  const out = execFileSync(PYTHON, [VERIFY_SCRIPT, list], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, OMP_NUM_THREADS: '1' } });
  const results = new Map<string, CaseResult>();
  for (const line of out.split('\n').filter((l) => l.startsWith('{'))) {
    const r = JSON.parse(line) as CaseResult;
    results.set(r.name, r);
  }
  return results;
}

/**
 * Sampling draws noise; the check compares its deterministic output (mu) instead. Every example's
 * loss weights are 1, so a graph with several losses gets distinct ones (KL 1.75 beside the VAE's
 * reconstruction 1.25) for the total loss to show that they are applied.
 */
export function deterministic(graph: GraphDocument): GraphDocument {
  const losses = graph.nodes.filter((n) => getDecl(n.type)?.kind === 'loss');
  return {
    ...graph,
    nodes: graph.nodes.map((n) => {
      if (n.type === 'Sampling') return { ...n, params: { ...n.params, deterministic: true } };
      if (losses.length > 1 && losses.includes(n)) return { ...n, params: { ...n.params, weight: 1 + 0.25 * (2 * losses.indexOf(n) + 1) } };
      return n;
    }),
  };
}

export interface DdpRun {
  run: SpawnSyncReturns<string>;
  /** The mean training loss of each epoch, as rank 0 printed it. */
  losses: number[];
  /** max |rank 0 - rank 1| over every state_dict entry at the end (NaN when it could not be read). */
  rankDifference: number;
  epochs: number;
  steps: number;
}

/**
 * The MNIST MLP exported by the CLI and trained by its train.py under torchrun with two processes
 * (gloo on CPU, DistributedDataParallel) on the first 4,096 training images for `epochs` epochs,
 * each process saving its weights.
 */
export async function runDdpMnist(epochs = 8): Promise<DdpRun> {
  const out = mkdtempSync(join(tmpdir(), 'netwright-pt-ddp-'));
  const exported = await runCli(['export', resolve(HERE, '../../../examples/mlp-mnist.json'), '--format', 'pytorch', '--out', out]);
  if (exported.code !== 0) throw new Error(`export failed: ${exported.stderr}`);
  // The first 4,096 MNIST training images (the whole set is 172 MB as float32; a few hundred steps need less).
  const mnist = await loadDataset('mnist', nodeFileSource());
  const rows = mnist.train.gather(Uint32Array.from({ length: 4096 }, (_, i) => i));
  const arrays = new Map<string, NpyArray>();
  for (const [name, f] of Object.entries(rows.features)) {
    const shape = [rows.size, ...f.shape];
    arrays.set(name, f.dtype === 'int32' ? { dtype: 'int32', shape, values: Int32Array.from(f.data) } : { dtype: 'float32', shape, values: Float32Array.from(f.data) });
  }
  mkdirSync(join(out, 'data'));
  writeFileSync(join(out, 'data', 'train.npz'), npzBytes(arrays));
  // Debian's torchrun needs --redirects/--tee to show the workers' output.
  const run = spawnSync(
    PYTHON,
    ['-m', 'torch.distributed.run', '--nproc_per_node=2', '--redirects', '1', '--tee', '1', '--master_port', String(29_500 + (process.pid % 400)), 'train.py', '--epochs', String(epochs), '--out', 'model-{rank}.pt'],
    { cwd: out, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' }, timeout: 240_000 },
  );
  const losses = [...run.stdout.matchAll(new RegExp(`epoch (\\d+)/${epochs}: .*?\\bloss ([\\d.]+)`, 'g'))].map((m) => Number(m[2]));
  const compare = spawnSync(
    PYTHON,
    ['-c', 'import torch; a = torch.load("model-0.pt"); b = torch.load("model-1.pt"); print(max((a[k] - b[k]).abs().max().item() for k in a))'],
    { cwd: out, encoding: 'utf8' },
  );
  const batchSize = 64; // mlp-mnist's
  return { run, losses, rankDifference: compare.status === 0 ? Number(compare.stdout.trim()) : NaN, epochs, steps: Math.ceil(4096 / 2 / batchSize) };
}
