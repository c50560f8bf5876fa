/**
 * model.py of the PyTorch export: one nn.Module whose attributes are named after the graph's
 * nodes and whose forward() runs them in topological order, the graph's losses with their
 * weights, Keras' initialization and the loader that fills state_dict from weights.npz.
 */
import type { GraphAnalysis } from '../../graph/analyze';
import type { GraphDocument, GraphNode } from '../../graph/document';
import { reachable } from '../../graph/reach';
import { nodeDisplayName } from '../../graph/summary';
import type { Shape } from '../../shapes/shape';
import { ExportRefusal, asChannelsLast, pyFloat, type Emitted, type StateEntry, type TfjsWeight, type TorchValue } from './rules';
import { HELPERS, LAYER_RULES } from './all-rules';

/** Losses the export writes in PyTorch, each exactly as the catalogue's `compute()`. */
export const LOSS_TYPES = [
  'SparseCategoricalCrossentropy',
  'CategoricalCrossentropy',
  'BinaryCrossentropy',
  'MeanSquaredError',
  'MeanAbsoluteError',
  'GaussianKL',
  'SequenceCrossentropy',
  'FlowNLL',
  'GANDiscriminatorLoss',
  'GANGeneratorLoss',
] as const;

/** Layers that read a Keras mask; a mask reaching any other node is refused. */
const MASK_AWARE = new Set(['LSTM', 'GRU', 'SimpleRNN', 'Bidirectional', 'Dropout']);

const PY_RESERVED = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else',
  'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise',
  'return', 'try', 'while', 'with', 'yield', 'self', 'torch', 'nn', 'F', 'math', 'np', 'model', 'batch', 'outputs', 'losses',
  'Sampling', 'Model', 'type', 'input', 'print', 'range', 'len', 'sum', 'min', 'max', 'list', 'dict', 'id', 'training',
]);

/** One Input node as the exported project sees it. */
export interface ExportedInput {
  nodeId: string;
  /** Its name in Python (forward's argument, the batch's key). */
  name: string;
  feature: string;
  /** Without the batch axis. */
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface ExportedOutput {
  nodeId: string;
  port: string;
  /** Key in the dict forward() returns. */
  key: string;
  shape: Shape;
}

export interface ExportedLoss {
  nodeId: string;
  name: string;
  type: string;
  weight: number;
}

export interface ModelPy {
  source: string;
  state: StateEntry[];
  /** forward()'s arguments, in order. */
  inputs: ExportedInput[];
  /** Input nodes only the losses read (labels). */
  targets: ExportedInput[];
  outputs: ExportedOutput[];
  losses: ExportedLoss[];
  /** Parameters Netwright counts for the exported nodes (trainable + non-trainable). */
  parameterCount: { trainable: number; nonTrainable: number };
}

/** Weights of one node, by key relative to the node ('kernel', 'mha/query/kernel'). */
export type NodeWeights = ReadonlyMap<string, ReadonlyMap<string, TfjsWeight>>;

function pythonNames(nodes: readonly GraphNode[]): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const node of nodes) {
    let base = nodeDisplayName(node).replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z_]/.test(base)) base = `n_${base}`;
    if (PY_RESERVED.has(base)) base = `${base}_`;
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    out.set(node.id, name);
  }
  return out;
}

function pyList(values: readonly (number | null)[]): string {
  return `[${values.map((v) => (v === null ? 'None' : String(v))).join(', ')}]`;
}

/** Nodes the losses need (all layer nodes when the graph has no loss). */
function neededNodes(graph: GraphDocument, analysis: GraphAnalysis): Set<string> {
  const losses = graph.nodes.filter((n) => analysis.nodes.get(n.id)?.decl?.kind === 'loss');
  if (losses.length === 0) return new Set(analysis.order);
  return reachable(graph, losses.map((n) => n.id), 'up');
}

/** The metrics the app shows beside a loss (core/engine/metrics.ts), as Python expressions. */
function metricLines(type: string, v: (port: string) => string, params: Readonly<Record<string, unknown>>): [string, string][] {
  const p = v('prediction');
  const t = v('target');
  switch (type) {
    case 'SparseCategoricalCrossentropy':
      return [['accuracy', `(${p}.argmax(-1) == ${t}.reshape(${p}.shape[:-1]).long()).float().mean()`]];
    case 'CategoricalCrossentropy':
      return [['accuracy', `(${p}.argmax(-1) == ${t}.argmax(-1)).float().mean()`]];
    case 'BinaryCrossentropy':
      return [['accuracy', `((${p} > ${params['fromLogits'] === false ? '0.5' : '0'}) == (${t} > 0.5)).float().mean()`]];
    case 'MeanSquaredError':
      return [['meanSquaredError', `(${p} - ${t}.float()).square().mean()`]];
    case 'MeanAbsoluteError':
      return [['meanAbsoluteError', `(${p} - ${t}.float()).abs().mean()`]];
    case 'SequenceCrossentropy': {
      const mask = v('mask');
      const weights = mask ? `(${mask} > 0.5).float()` : `(${t} != ${params['padId'] as number}).float()`;
      return [
        ['tokenAccuracy', `((${p}.argmax(-1) == ${t}.long()).float() * ${weights}).sum() / ${weights}.sum().clamp(min=1)`],
        ['exactMatch', `((${weights} - (${p}.argmax(-1) == ${t}.long()).float() * ${weights}).sum(-1) <= 0).float().mean()`],
      ];
    }
    default:
      return [];
  }
}

function lossLines(type: string, v: (port: string) => string, params: Readonly<Record<string, unknown>>): string[] {
  const reduce = (perElement: string) =>
    params['reduction'] === 'sum' ? `${perElement}.flatten(1).sum(1).mean()` : `${perElement}.flatten(1).mean(1).mean()`;
  switch (type) {
    case 'SparseCategoricalCrossentropy': {
      const p = v('prediction');
      const logProbs = params['fromLogits'] ? `F.log_softmax(${p}, dim=-1)` : `torch.log(${p}.clamp(1e-7, 1))`;
      return [`F.nll_loss(${logProbs}.reshape(-1, ${p}.shape[-1]), ${v('target')}.reshape(-1).long())`];
    }
    case 'CategoricalCrossentropy': {
      const p = v('prediction');
      const logProbs = params['fromLogits'] ? `F.log_softmax(${p}, dim=-1)` : `torch.log(${p}.clamp(1e-7, 1 - 1e-7))`;
      return [`-(${v('target')}.float() * ${logProbs}).sum(-1).mean()`];
    }
    case 'BinaryCrossentropy': {
      const p = v('prediction');
      const t = `${v('target')}.float()`;
      return [
        params['fromLogits']
          ? reduce(`F.binary_cross_entropy_with_logits(${p}, ${t}, reduction="none")`)
          : reduce(`F.binary_cross_entropy(${p}.clamp(1e-7, 1 - 1e-7), ${t}, reduction="none")`),
      ];
    }
    case 'MeanSquaredError':
      return [reduce(`(${v('prediction')} - ${v('target')}.float()).square()`)];
    case 'MeanAbsoluteError':
      return [reduce(`(${v('prediction')} - ${v('target')}.float()).abs()`)];
    case 'GaussianKL': {
      const mu = v('mu');
      const logvar = v('logvar');
      return [`(0.5 * (torch.exp(${logvar}) + ${mu}.square() - 1 - ${logvar})).flatten(1).sum(1).mean()`];
    }
    case 'SequenceCrossentropy': {
      const p = v('prediction');
      const t = v('target');
      const mask = v('mask');
      const keep = mask ? `${mask}.reshape(-1).float()` : `(${t}.reshape(-1) != ${params['padId'] as number}).float()`;
      return [
        params['fromLogits'] === false
          ? `per_token = F.nll_loss(torch.log(${p}.clamp(1e-7, 1)).reshape(-1, ${p}.shape[-1]), ${t}.reshape(-1).long(), reduction="none")`
          : `per_token = F.cross_entropy(${p}.reshape(-1, ${p}.shape[-1]), ${t}.reshape(-1).long(), reduction="none")`,
        `keep = ${keep}`,
        `# A batch of padding only has no tokens to average: its loss is 0, not NaN.`,
        `(per_token * keep).sum() / keep.sum().clamp(min=1)`,
      ];
    }
    case 'GANDiscriminatorLoss': {
      const r = `${v('real')}.float()`;
      const f = `${v('fake')}.float()`;
      switch (params['formulation']) {
        case 'least-squares':
          return [`0.5 * ((${r} - 1).square().mean() + ${f}.square().mean())`];
        case 'wasserstein':
          return [`${f}.mean() - ${r}.mean()`];
        default:
          return [`F.softplus(-${r}).mean() + F.softplus(${f}).mean()`];
      }
    }
    case 'GANGeneratorLoss': {
      const f = `${v('fake')}.float()`;
      switch (params['formulation']) {
        case 'minimax':
          return [`-F.softplus(${f}).mean()`];
        case 'least-squares':
          return [`0.5 * (${f} - 1).square().mean()`];
        case 'wasserstein':
          return [`-${f}.mean()`];
        default:
          return [`F.softplus(-${f}).mean()`];
      }
    }
    case 'FlowNLL': {
      const z = v('z');
      return [`(0.5 * ${z}.square().sum(-1) + 0.5 * ${z}.shape[1] * math.log(2 * math.pi) - ${v('logDet')}.reshape(-1)).mean()`];
    }
    default:
      throw new Error(`no PyTorch loss for ${type}`);
  }
}

/**
 * Writes model.py for a graph whose analysis has no errors. Throws ExportRefusal naming the first
 * node that cannot be exported exactly.
 */
/**
 * `outputs`: what forward() returns when the graph has no loss (a sub-model's outputs, in order);
 * default: every value no other node reads.
 */
export function buildModelPy(
  graph: GraphDocument,
  analysis: GraphAnalysis,
  weights: NodeWeights | null,
  requestedOutputs?: readonly { node: string; port: string }[],
): ModelPy {
  const errors = analysis.issues.filter((i) => i.severity === 'error');
  if (errors.length > 0) throw new ExportRefusal(`the graph has errors: ${errors.map((i) => i.message).join('; ')}`, errors[0]?.nodeId ?? null);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const names = pythonNames(graph.nodes);
  const needed = neededNodes(graph, analysis);
  const order = analysis.order.filter((id) => needed.has(id));
  const label = (id: string) => nodeDisplayName(byId.get(id) as GraphNode);

  // Refuse up front, naming every node that cannot be exported.
  const refusals: string[] = [];
  for (const id of order) {
    const a = analysis.nodes.get(id);
    const type = a?.node.type ?? '';
    if (a?.decl?.kind === 'loss') {
      if (!(LOSS_TYPES as readonly string[]).includes(type)) refusals.push(`node "${label(id)}" (${type}): no PyTorch loss for this type`);
      else if (type === 'GANDiscriminatorLoss' && a.node.params['formulation'] === 'wasserstein-gp') {
        refusals.push(
          `node "${label(id)}" (${type}): 'wasserstein-gp' applies the critic to points between real and generated samples inside the loss (a gradient of a gradient), which the PyTorch export does not write; use 'wasserstein' with weight clipping to export`,
        );
      }
      continue;
    }
    if (type === 'Input') continue;
    if (a?.node.shares !== undefined) {
      refusals.push(`node "${label(id)}" (${type}): shares the weights of "${a.node.shares}"; the PyTorch export does not write shared modules yet`);
      continue;
    }
    const rule = LAYER_RULES[type];
    if (!rule) refusals.push(`node "${label(id)}" (${type}): no PyTorch export rule for this type`);
    else if (rule.kind === 'refuse') refusals.push(`node "${label(id)}" (${type}): ${rule.reason}`);
    else {
      const why = rule.refuse?.(a?.node.params ?? {});
      if (why) refusals.push(`node "${label(id)}" (${type}): ${why}`);
    }
  }
  if (refusals.length > 0) {
    const first = order.find((id) => refusals[0]?.startsWith(`node "${label(id)}"`)) ?? null;
    throw new ExportRefusal(`cannot export to PyTorch exactly:\n  ${refusals.join('\n  ')}`, first);
  }

  // Which Input nodes feed layers (forward's arguments) and which only losses (targets).
  const feedsLayer = new Set<string>();
  for (const e of graph.edges) {
    const target = analysis.nodes.get(e.target.node);
    if (needed.has(e.target.node) && target?.decl?.kind !== 'loss') feedsLayer.add(e.source.node);
  }
  const inputs: ExportedInput[] = [];
  const targets: ExportedInput[] = [];
  for (const id of order) {
    const node = byId.get(id) as GraphNode;
    if (node.type !== 'Input') continue;
    const out = analysis.nodes.get(id)?.outputs['out'] ?? [];
    const info: ExportedInput = {
      nodeId: id,
      name: names.get(id) as string,
      feature: (node.params['feature'] as string | undefined) ?? '',
      shape: out.slice(1).map((d) => d ?? -1),
      dtype: node.params['dtype'] === 'int32' ? 'int32' : 'float32',
    };
    (feedsLayer.has(id) ? inputs : targets).push(info);
  }

  const values = new Map<string, TorchValue>(); // `${node}:${port}`
  for (const input of inputs) {
    values.set(`${input.nodeId}:out`, { expr: input.name, channelsFirst: false, shape: [null, ...input.shape] });
  }
  const usedVars = new Set<string>([...names.values()]);
  const modules: string[] = [];
  const forward: string[] = [];
  const init: string[] = [];
  const state: StateEntry[] = [];
  const helpers = new Set<string>();
  let trainable = 0;
  let nonTrainable = 0;
  for (const id of order) {
    const a = analysis.nodes.get(id);
    if (!a || a.decl?.kind !== 'layer') continue;
    const node = a.node;
    const attr = names.get(id) as string;
    const inputsByPort: Record<string, TorchValue[]> = {};
    for (const e of graph.edges.filter((x) => x.target.node === id)) {
      const v = values.get(`${e.source.node}:${e.source.port}`);
      if (!v) throw new ExportRefusal(`node "${label(id)}": its input "${e.target.port}" comes from a node the export did not write`, id);
      if (v.mask && !MASK_AWARE.has(node.type)) {
        throw new ExportRefusal(
          `node "${label(id)}" (${node.type}) receives the padding mask of an Embedding with maskZero, which only recurrent layers read exactly in the export; turn maskZero off or feed a recurrent layer (LSTM, GRU, SimpleRNN)`,
          id,
        );
      }
      (inputsByPort[e.target.port] ??= []).push(v);
    }
    const rule = LAYER_RULES[node.type];
    if (!rule || rule.kind !== 'export') continue;
    let emitted: Emitted;
    try {
      emitted = rule.emit({
        attr,
        label: label(id),
        params: node.params,
        inputs: inputsByPort,
        outputShapes: a.outputs,
        weights: weights?.get(id) ?? new Map(),
        out(port) {
          const base = port === 'out' ? attr : `${attr}_${port}`;
          let name = base;
          for (let i = 2; port !== 'out' && usedVars.has(name); i++) name = `${base}_${i}`;
          usedVars.add(name);
          return name;
        },
      });
    } catch (err) {
      if (err instanceof ExportRefusal && err.nodeId === null) throw new ExportRefusal(err.message, id);
      throw err;
    }
    modules.push(...emitted.modules);
    if (emitted.forward.length > 0) forward.push(...emitted.forward);
    init.push(...emitted.init);
    state.push(...emitted.state);
    for (const h of emitted.helpers) helpers.add(h);
    for (const [port, v] of Object.entries(emitted.outputs)) values.set(`${id}:${port}`, v);
    trainable += a.params.trainable;
    nonTrainable += a.params.nonTrainable;
  }

  // Losses: read model outputs (returned by forward) or batch entries (labels).
  const outputs: ExportedOutput[] = [];
  const lossBlocks: string[] = [];
  const metricBlocks: string[] = [];
  const metricKeys = new Set<string>();
  const losses: ExportedLoss[] = [];
  for (const id of order) {
    const a = analysis.nodes.get(id);
    if (a?.decl?.kind !== 'loss') continue;
    const node = a.node;
    const refs: Record<string, string> = {};
    for (const e of graph.edges.filter((x) => x.target.node === id)) {
      const source = byId.get(e.source.node);
      if (source?.type === 'Input') {
        refs[e.target.port] = `batch["${names.get(source.id) as string}"]`;
        continue;
      }
      const v = values.get(`${e.source.node}:${e.source.port}`);
      if (!v) throw new ExportRefusal(`loss "${label(id)}": its input "${e.target.port}" comes from a node the export did not write`, id);
      const key = v.expr;
      if (!outputs.some((o) => o.key === key)) outputs.push({ nodeId: e.source.node, port: e.source.port, key, shape: v.shape });
      if (v.channelsFirst) forward.push(`${v.expr} = ${asChannelsLast(v)}  # the graph's (channels-last) layout at the output`);
      v.channelsFirst = false;
      refs[e.target.port] = `outputs["${key}"]`;
    }
    const name = names.get(id) as string;
    const weight = node.params['weight'] as number;
    losses.push({ nodeId: id, name, type: node.type, weight });
    const lines = lossLines(node.type, (port) => refs[port] ?? '', node.params);
    const last = lines.pop() as string;
    lossBlocks.push(`    # ${label(id)}: ${node.type}`);
    lossBlocks.push(...lines.map((l) => `    ${l}`));
    lossBlocks.push(`    losses["${name}"] = ${last}`);
    for (const [metric, expr] of metricLines(node.type, (port) => refs[port] ?? '', node.params)) {
      const key = metricKeys.has(metric) ? `${name}.${metric}` : metric;
      metricKeys.add(key);
      metricBlocks.push(`    metrics["${key}"] = ${expr}`);
    }
  }
  if (losses.length === 0) {
    // No loss: forward returns the requested values, or every value no other node reads.
    const read = new Set(graph.edges.map((e) => `${e.source.node}:${e.source.port}`));
    const keys = requestedOutputs
      ? requestedOutputs.map((o) => `${o.node}:${o.port}`)
      : [...values.keys()].filter((key) => !read.has(key) && byId.get(key.split(':')[0] as string)?.type !== 'Input');
    for (const key of keys) {
      const v = values.get(key);
      const [nodeId, port] = key.split(':') as [string, string];
      if (!v) throw new ExportRefusal(`output "${port}" of node "${byId.get(nodeId) ? label(nodeId) : nodeId}" is not computed by the export`, nodeId);
      if (v.channelsFirst) {
        forward.push(`${v.expr} = ${asChannelsLast(v)}`);
        v.channelsFirst = false;
      }
      outputs.push({ nodeId, port, key: v.expr, shape: v.shape });
    }
  }

  const title = graph.metadata.name || 'model';
  const py: string[] = [];
  py.push(`"""${title.replace(/"""/g, "'''")}: the model of a Netwright graph as a PyTorch module.`);
  py.push('');
  py.push("Tensors are channels-last at the module's boundary, as in the graph (images [batch, height, width,");
  py.push('channels]); convolutions run channels-first inside. Parameter names follow the graph\'s node names.');
  py.push('"""');
  py.push('import math');
  py.push('');
  py.push('import numpy as np');
  py.push('import torch');
  py.push('import torch.nn.functional as F');
  py.push('from torch import nn');
  py.push('');
  const inputDict = (list: readonly ExportedInput[]) =>
    `{${list.map((i) => `\n    "${i.name}": {"feature": "${i.feature}", "shape": ${pyList(i.shape)}, "dtype": "${i.dtype}"},`).join('')}\n}`;
  py.push(`# forward()'s arguments: the graph's Input nodes (shape without the batch), bound to dataset features.`);
  py.push(`INPUTS = ${inputDict(inputs)}`);
  py.push(`# Input nodes only the losses read (labels).`);
  py.push(`TARGETS = ${inputDict(targets)}`);
  py.push(`# Each loss node's weight; the training loss is their weighted sum.`);
  py.push(`LOSS_WEIGHTS = {${losses.map((l) => `"${l.name}": ${pyFloat(l.weight)}`).join(', ')}}`);
  py.push(`# Parameters Netwright counts (Keras' convention: recurrent layers have one bias per gate).`);
  py.push(`NETWRIGHT_PARAMETERS = {"trainable": ${trainable}, "non_trainable": ${nonTrainable}}`);
  py.push('');
  for (const h of Object.keys(HELPERS).filter((k) => helpers.has(k))) {
    py.push('');
    py.push(HELPERS[h] as string);
    py.push('');
  }
  py.push('');
  py.push('class Model(nn.Module):');
  py.push('    def __init__(self):');
  py.push('        super().__init__()');
  for (const m of modules) py.push(`        self.${m}`);
  py.push('');
  py.push(`    def forward(self, ${inputs.map((i) => i.name).join(', ')}):`);
  for (const f of forward) py.push(`        ${f}`);
  py.push(`        return {${outputs.map((o) => `"${o.key}": ${o.key}`).join(', ')}}`);
  py.push('');
  py.push('');
  py.push('def compute_losses(outputs, batch):');
  py.push('    """Each loss node\'s value (its mean over the batch), by name; `batch` holds the TARGETS."""');
  py.push('    losses = {}');
  py.push(...lossBlocks);
  py.push('    return losses');
  py.push('');
  py.push('');
  py.push('@torch.no_grad()');
  py.push('def compute_metrics(outputs, batch):');
  py.push('    """The metrics Netwright shows beside the losses (accuracy, token accuracy...)."""');
  py.push('    metrics = {}');
  py.push(...metricBlocks);
  py.push('    return metrics');
  py.push('');
  py.push('');
  py.push('def total_loss(losses):');
  py.push('    return sum(LOSS_WEIGHTS[name] * value for name, value in losses.items())');
  py.push('');
  py.push('');
  py.push('def keras_init_(model):');
  py.push('    """Initializes the parameters as Keras does (Glorot-uniform kernels, zero biases, orthogonal recurrent');
  py.push('    kernels), so training from scratch starts like it does in Netwright; PyTorch\'s defaults differ."""');
  py.push('    with torch.no_grad():');
  if (init.length === 0) py.push('        pass');
  for (const line of init) py.push(`        ${line}`);
  py.push('');
  py.push('');
  py.push('def load_weights(model, path="weights.npz"):');
  py.push('    """Fills the state_dict from weights.npz (arrays named by state_dict key, already in PyTorch\'s layouts)."""');
  py.push('    arrays = np.load(path)');
  py.push('    state = model.state_dict()');
  py.push('    missing = [key for key in state if key not in arrays.files and state[key].is_floating_point()]');
  py.push('    if missing:');
  py.push('        raise ValueError(f"{path} has no values for {missing}")');
  py.push('    for key in arrays.files:');
  py.push('        if key not in state:');
  py.push('            raise ValueError(f"{path}: {key} is not a parameter of this model")');
  py.push('        value = torch.from_numpy(arrays[key])');
  py.push('        if tuple(value.shape) != tuple(state[key].shape):');
  py.push('            raise ValueError(f"{path}: {key} is {tuple(value.shape)}, the model expects {tuple(state[key].shape)}")');
  py.push('        state[key] = value');
  py.push('    model.load_state_dict(state)');
  py.push('    return model');
  py.push('');
  return { source: `${py.join('\n')}`, state, inputs, targets, outputs, losses, parameterCount: { trainable, nonTrainable } };
}
