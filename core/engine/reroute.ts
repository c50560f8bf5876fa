/**
 * A part of the compiled model with one of its tensors replaced by a new input: a VAE's decoder
 * from its latent z, a GAN's generator from its noise, its discriminator from generated samples.
 * The part's layers are the compiled model's own (same weights); what the part also reads that does
 * not depend on the replaced tensor (a conditional model's label Input) becomes an extra input.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '../catalogue/decl';
import type { CompiledGraph } from './compile';

export interface ReroutedModel {
  /** Inputs: the replacement, then `extraFeeds`' Inputs; output: the target tensor. */
  model: tfl.LayersModel;
  /** compiled.feeds indices of the model's inputs after the replacement. */
  extraFeeds: number[];
  /**
   * The compiled model's layers, once per call made on them to build this part: each symbolic call
   * counts a reference, and a layer frees its weights only when its count returns to 0. Give them
   * back with `releaseRerouted` before or after disposing the compiled model.
   */
  reapplied: tfl.layers.Layer[];
}

function isInputLayer(layer: tfl.layers.Layer): boolean {
  return layer.getClassName() === 'InputLayer';
}

/** The model computing `target` from a new input in place of `replaced` (same shape and dtype). */
export function rerouteModel(compiled: CompiledGraph, replaced: SymbolicTensor, target: SymbolicTensor, inputName: string): ReroutedModel {
  const dependsMemo = new Map<number, boolean>();
  const dependsOnReplaced = (t: SymbolicTensor): boolean => {
    if (t.id === replaced.id) return true;
    const known = dependsMemo.get(t.id);
    if (known !== undefined) return known;
    const layer = t.sourceLayer;
    const node = layer.inboundNodes[t.nodeIndex];
    const result = !isInputLayer(layer) && !!node && node.inputTensors.some(dependsOnReplaced);
    dependsMemo.set(t.id, result);
    return result;
  };
  if (!dependsOnReplaced(target)) throw new Error(`${target.sourceLayer.name}'s output is not computed from ${replaced.sourceLayer.name}'s`);
  const newInput = tfl.input({ shape: replaced.shape.slice(1) as number[], dtype: replaced.dtype, name: inputName });
  const leaves = new Map<number, SymbolicTensor>();
  const collectLeaves = (t: SymbolicTensor): void => {
    if (isInputLayer(t.sourceLayer)) leaves.set(t.id, t);
    else t.sourceLayer.inboundNodes[t.nodeIndex]?.inputTensors.forEach(collectLeaves);
  };
  const rebuilt = new Map<number, SymbolicTensor>();
  const reapplied: tfl.layers.Layer[] = [];
  const rebuild = (t: SymbolicTensor): SymbolicTensor => {
    if (t.id === replaced.id) return newInput;
    if (!dependsOnReplaced(t)) {
      collectLeaves(t); // reused as is: its model inputs become extra inputs
      return t;
    }
    const done = rebuilt.get(t.id);
    if (done) return done;
    const layer = t.sourceLayer;
    const node = layer.inboundNodes[t.nodeIndex];
    if (!node) throw new Error(`layer ${layer.name} has no call ${t.nodeIndex}`);
    const inputs = node.inputTensors.map(rebuild);
    // A symbolic mask in the old call's kwargs belongs to the old graph: apply recomputes it.
    const kwargs: Record<string, unknown> = { ...(node.callArgs as Record<string, unknown>) };
    delete kwargs['mask'];
    const out = layer.apply(inputs.length === 1 ? (inputs[0] as SymbolicTensor) : inputs, kwargs) as SymbolicTensor | SymbolicTensor[];
    reapplied.push(layer);
    const result = Array.isArray(out) ? (out[t.tensorIndex] as SymbolicTensor) : out;
    rebuilt.set(t.id, result);
    return result;
  };
  const output = rebuild(target);
  const extraFeeds = [...leaves.values()].map((leaf) => {
    const i = compiled.feeds.findIndex((f) => compiled.nodeTensors.get(f.nodeId)?.['out']?.id === leaf.id);
    if (i < 0) throw new Error('the part reads a model input that is not a graph Input');
    return i;
  });
  const extraInputs = extraFeeds.map((i) => compiled.nodeTensors.get((compiled.feeds[i] as { nodeId: string }).nodeId)?.['out'] as SymbolicTensor);
  const model = tfl.model({ inputs: [newInput, ...extraInputs], outputs: output });
  return { model, extraFeeds, reapplied };
}

/** Gives back the references building the part counted on the compiled model's layers. */
export function releaseRerouted(part: ReroutedModel): void {
  for (const layer of part.reapplied) layer.dispose();
}
