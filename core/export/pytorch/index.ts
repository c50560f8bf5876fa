/** The PyTorch export: a graph (and a kept run's weights) -> a small Python project. */
import type { SavedWeights } from '../../graph/document';
import { decodeWeights } from '../../engine/weights';
import type { NodeWeights } from './model-py';
import type { TfjsWeight } from './rules';

export { buildPytorchProject, pytorchFolderName } from './project';
export { zipProject, ExportCancelled } from './zip';
export { buildModelPy, LOSS_TYPES, type NodeWeights } from './model-py';
export { ExportRefusal, samePadding, transposeArray } from './rules';
export { LAYER_RULES } from './all-rules';
export { npzBytes, npyBytes, type NpyArray } from './npz';
export { dataFiles, splitNpz, type ExportProgress } from './data';

/**
 * A run's weights grouped by node: the compiler names each node's tfjs layers after the node
 * (`base`, `base_mha`...), and each weight `layer/name`; the key is relative to the node
 * ('kernel', 'mha/query/kernel').
 */
export function weightsByNode(layerNames: ReadonlyMap<string, string>, saved: SavedWeights): NodeWeights {
  const out = new Map<string, Map<string, TfjsWeight>>();
  for (const { spec, values } of decodeWeights(saved).values()) {
    let node: string | null = null;
    let base = '';
    for (const [nodeId, name] of layerNames) {
      if ((spec.layer === name || spec.layer.startsWith(`${name}_`)) && name.length > base.length) {
        node = nodeId;
        base = name;
      }
    }
    if (node === null) continue;
    const sub = spec.layer.slice(base.length + 1);
    const local = spec.name.startsWith(`${spec.layer}/`) ? spec.name.slice(spec.layer.length + 1) : spec.name;
    const key = sub ? `${sub}/${local}` : local;
    if (!out.has(node)) out.set(node, new Map());
    out.get(node)?.set(key, { shape: spec.shape, values });
  }
  return out;
}
