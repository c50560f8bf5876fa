/** Reading a tfjs layer's weights by name, in tfjs layout. */
import type * as tfl from '@tensorflow/tfjs-layers';
import { OnnxExportError, type LayerWeight } from './context';

export function maybeLayerWeight(layer: tfl.layers.Layer, suffix: string): LayerWeight | undefined {
  const w = layer.weights.find((v) => v.originalName === suffix || v.originalName.endsWith(`/${suffix}`));
  if (!w) return undefined;
  const t = w.read();
  return { values: Float32Array.from(t.dataSync()), shape: [...t.shape] };
}

export function layerWeight(layer: tfl.layers.Layer, suffix: string): LayerWeight {
  const w = maybeLayerWeight(layer, suffix);
  if (!w) throw new OnnxExportError(`layer ${layer.name} has no weight "${suffix}" (it has ${layer.weights.map((v) => v.originalName).join(', ') || 'none'})`);
  return w;
}
