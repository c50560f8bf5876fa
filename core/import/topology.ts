/**
 * The topology of a Keras-style model (TensorFlow.js layers format, Keras 2 and Keras 3 configs):
 * Sequential and Functional models, nested ones flattened in place, as a list of leaf layers whose
 * inputs name the leaf layer output they read. No tfjs: the file is only read.
 */
import { describeValue, ImportError, layerLabel } from './errors';

/** One output of a leaf layer: its flat name and the index of the tensor (0 unless it has several). */
export interface TensorRef {
  layer: string;
  index: number;
}

export interface FlatLayer {
  /** 1-based position in the file's order, nested models counted in place. */
  position: number;
  /** Unique among the flat layers (a nested layer whose name is taken gets its model's name in front). */
  name: string;
  /** The name in the file (used to find its weights). */
  fileName: string;
  className: string;
  config: Record<string, unknown>;
  inputs: TensorRef[];
}

export interface FlatModel {
  name: string;
  layers: FlatLayer[];
  inputs: TensorRef[];
  outputs: TensorRef[];
}

export const TOPOLOGY_LIMITS = { layers: 5_000, depth: 16 } as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);

/** The `{ class_name, config }` of the model, from a tfjs model.json topology or a Keras one (`model_config`). */
export function modelConfigOf(topology: unknown): { className: string; config: unknown } {
  if (!isRecord(topology)) throw new ImportError(`modelTopology: expected an object, found ${describeValue(topology)}`);
  const root = isRecord(topology.model_config) ? topology.model_config : topology;
  const className = root.class_name;
  if (typeof className !== 'string' || !MODEL_CLASSES.has(className)) {
    throw new ImportError(`modelTopology: expected a Sequential or Functional model, found class ${describeValue(className)}`);
  }
  return { className, config: root.config };
}

class Flattener {
  readonly layers: FlatLayer[] = [];
  private readonly taken = new Set<string>();
  private position = 0;

  uniqueName(name: string, prefix: string): string {
    let candidate = name;
    if (this.taken.has(candidate) && prefix) candidate = `${prefix}_${name}`;
    for (let i = 2; this.taken.has(candidate); i++) candidate = `${name}_${i}`;
    this.taken.add(candidate);
    return candidate;
  }

  nextPosition(): number {
    return ++this.position;
  }

  add(layer: Omit<FlatLayer, 'position' | 'name'> & { position: number }, prefix: string): FlatLayer {
    if (this.layers.length >= TOPOLOGY_LIMITS.layers) throw new ImportError(`the model has more than ${TOPOLOGY_LIMITS.layers} layers`);
    const flat: FlatLayer = { ...layer, name: this.uniqueName(layer.fileName, prefix) };
    this.layers.push(flat);
    return flat;
  }

  /** Flattens a model; `given` are the tensors a nested model is applied to (none at the top). */
  model(className: string, config: unknown, given: TensorRef[] | null, depth: number, prefix: string): FlatModel {
    if (depth > TOPOLOGY_LIMITS.depth) throw new ImportError(`models are nested more than ${TOPOLOGY_LIMITS.depth} deep`);
    return className === 'Sequential' ? this.sequential(config, given, depth, prefix) : this.functional(config, given, depth, prefix);
  }

  private layerSpec(value: unknown, where: string): { className: string; config: Record<string, unknown>; name: string } {
    if (!isRecord(value) || typeof value.class_name !== 'string' || !isRecord(value.config)) {
      throw new ImportError(`${where}: expected a layer { class_name, config }, found ${describeValue(value)}`);
    }
    const name = typeof value.config.name === 'string' ? value.config.name : typeof value.name === 'string' ? value.name : null;
    if (name === null || name.length === 0 || name.length > 200) throw new ImportError(`${where} (${value.class_name}): the layer has no name`);
    return { className: value.class_name, config: value.config, name };
  }

  private sequential(config: unknown, given: TensorRef[] | null, depth: number, prefix: string): FlatModel {
    const layerList = Array.isArray(config) ? config : isRecord(config) ? config.layers : undefined;
    const modelName = isRecord(config) && typeof config.name === 'string' ? config.name : 'sequential';
    if (!Array.isArray(layerList) || layerList.length === 0) throw new ImportError(`Sequential model '${modelName}': expected a non-empty list of layers`);
    let current: TensorRef[] | null = given;
    const inputs: TensorRef[] = [];
    layerList.forEach((value, i) => {
      const spec = this.layerSpec(value, `Sequential model '${modelName}' layer ${i + 1}`);
      if (spec.className === 'InputLayer') {
        const position = this.nextPosition();
        if (current !== null) return; // nested: the outer tensor is its input
        const flat = this.add({ position, fileName: spec.name, className: 'InputLayer', config: spec.config, inputs: [] }, prefix);
        current = [{ layer: flat.name, index: 0 }];
        inputs.push(...current);
        return;
      }
      if (current === null && MODEL_CLASSES.has(spec.className)) {
        // A nested model as the first layer brings its own input.
        this.nextPosition();
        const inner = this.model(spec.className, spec.config, null, depth + 1, spec.name);
        inputs.push(...inner.inputs);
        current = inner.outputs;
        return;
      }
      if (current === null) {
        // A first layer that declares its input shape: the Input Keras creates for it.
        const shape = spec.config.batch_input_shape ?? spec.config.batch_shape;
        if (!Array.isArray(shape)) {
          throw new ImportError(`Sequential model '${modelName}': its first layer '${spec.name}' (${spec.className}) declares no input shape (batch_input_shape), so the model's input is unknown`);
        }
        const flat = this.add(
          { position: this.nextPosition(), fileName: `${spec.name}_input`, className: 'InputLayer', config: { batch_input_shape: shape, dtype: spec.config.dtype ?? 'float32' }, inputs: [] },
          prefix,
        );
        current = [{ layer: flat.name, index: 0 }];
        inputs.push(...current);
      }
      current = this.call(spec, current, depth, prefix);
    });
    return { name: modelName, layers: this.layers, inputs, outputs: current ?? [] };
  }

  /** Adds a layer (or flattens a nested model) applied to `inputs`; returns its outputs. */
  private call(spec: { className: string; config: Record<string, unknown>; name: string }, inputs: TensorRef[], depth: number, prefix: string): TensorRef[] {
    if (MODEL_CLASSES.has(spec.className)) {
      this.nextPosition();
      return this.model(spec.className, spec.config, inputs, depth + 1, spec.name).outputs;
    }
    const flat = this.add({ position: this.nextPosition(), fileName: spec.name, className: spec.className, config: spec.config, inputs }, prefix);
    // Multi-output layers (an LSTM with return_state) are read by index later.
    return [{ layer: flat.name, index: 0 }];
  }

  private functional(config: unknown, given: TensorRef[] | null, depth: number, prefix: string): FlatModel {
    if (!isRecord(config) || !Array.isArray(config.layers)) throw new ImportError('Functional model: expected config.layers');
    const modelName = typeof config.name === 'string' ? config.name : 'model';
    const inputLayers = refList(config.input_layers, `model '${modelName}' input_layers`);
    const outputLayers = refList(config.output_layers, `model '${modelName}' output_layers`);
    // The file's layer name -> its outputs in the flat model (a nested model: several, by index).
    const outputsOf = new Map<string, (index: number) => TensorRef>();
    const resolve = (ref: FileRef, where: string): TensorRef => {
      const get = outputsOf.get(ref.layer);
      if (!get) throw new ImportError(`${where}: reads layer '${ref.layer}', which is not defined before it (unknown, or a cycle)`);
      return get(ref.tensor);
    };
    const inputs: TensorRef[] = [];
    config.layers.forEach((value, i) => {
      const where = `model '${modelName}' layer ${i + 1}`;
      const spec = this.layerSpec(value, where);
      const calls = inboundCalls(isRecord(value) ? value.inbound_nodes : undefined, `${where} '${spec.name}'`);
      if (spec.className === 'InputLayer') {
        const position = this.nextPosition();
        const at = inputLayers.findIndex((r) => r.layer === spec.name);
        if (given !== null) {
          const outer = given[at];
          if (at < 0 || !outer) throw new ImportError(`nested model '${modelName}': input '${spec.name}' is not one of its inputs`);
          outputsOf.set(spec.name, () => outer);
          return;
        }
        const flat = this.add({ position, fileName: spec.name, className: 'InputLayer', config: spec.config, inputs: [] }, prefix);
        const ref = { layer: flat.name, index: 0 };
        inputs.push(ref);
        outputsOf.set(spec.name, () => ref);
        return;
      }
      if (calls.length === 0) throw new ImportError(`${layerLabel({ position: this.position + 1, name: spec.name, className: spec.className })}: it is not applied to any input`);
      if (calls.length > 1) {
        throw new ImportError(
          `${layerLabel({ position: this.position + 1, name: spec.name, className: spec.className })}: it is applied ${calls.length} times (shared weights); a Netwright node has its own weights, so shared layers can't be imported`,
        );
      }
      const inRefs = (calls[0] as FileRef[]).map((r) => resolve(r, `${where} '${spec.name}'`));
      if (MODEL_CLASSES.has(spec.className)) {
        this.nextPosition();
        const inner = this.model(spec.className, spec.config, inRefs, depth + 1, spec.name);
        const outs = inner.outputs;
        outputsOf.set(spec.name, (index) => {
          const out = outs[index];
          if (!out) throw new ImportError(`model '${modelName}': nested model '${spec.name}' has no output ${index}`);
          return out;
        });
        return;
      }
      const flat = this.add({ position: this.nextPosition(), fileName: spec.name, className: spec.className, config: spec.config, inputs: inRefs }, prefix);
      outputsOf.set(spec.name, (index) => ({ layer: flat.name, index }));
    });
    const outputs = outputLayers.map((r) => resolve(r, `model '${modelName}' output_layers`));
    return { name: modelName, layers: this.layers, inputs, outputs };
  }
}

interface FileRef {
  layer: string;
  tensor: number;
}

function refOf(value: unknown): FileRef | null {
  // Keras 2 / tfjs: [name, nodeIndex, tensorIndex(, kwargs)].
  if (Array.isArray(value) && typeof value[0] === 'string' && Number.isInteger(value[1]) && Number.isInteger(value[2])) {
    return { layer: value[0], tensor: value[2] as number };
  }
  return null;
}

function refList(value: unknown, where: string): FileRef[] {
  if (!Array.isArray(value)) throw new ImportError(`${where}: expected a list of [layer, node, tensor], found ${describeValue(value)}`);
  // Keras 3 writes a single input as one [name, node, tensor] instead of a list of them.
  const single = refOf(value);
  if (single) return [single];
  return value.map((v) => {
    const ref = refOf(v);
    if (!ref) throw new ImportError(`${where}: expected [layer, node, tensor], found ${describeValue(v)}`);
    return ref;
  });
}

/** Keras 3: the keras_history of every __keras_tensor__ in a call's args, in order. */
function kerasTensors(value: unknown, out: FileRef[], depth = 0): void {
  if (depth > 8) return;
  if (Array.isArray(value)) {
    for (const v of value) kerasTensors(v, out, depth + 1);
    return;
  }
  if (!isRecord(value)) return;
  if (value.class_name === '__keras_tensor__' && isRecord(value.config)) {
    const ref = refOf(value.config.keras_history);
    if (ref) out.push(ref);
    return;
  }
  for (const v of Object.values(value)) kerasTensors(v, out, depth + 1);
}

/** The calls of a layer: for each, the tensors it reads in order. */
function inboundCalls(value: unknown, where: string): FileRef[][] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ImportError(`${where}: inbound_nodes: expected a list, found ${describeValue(value)}`);
  return value.map((call) => {
    if (isRecord(call)) {
      // Keras 3: { args: [...], kwargs: {...} }.
      const refs: FileRef[] = [];
      kerasTensors(call.args, refs);
      kerasTensors(call.kwargs, refs);
      return refs;
    }
    if (!Array.isArray(call)) throw new ImportError(`${where}: inbound_nodes: expected a list of calls, found ${describeValue(call)}`);
    return call.map((r) => {
      const ref = refOf(r);
      if (!ref) throw new ImportError(`${where}: inbound_nodes: expected [layer, node, tensor, kwargs], found ${describeValue(r)}`);
      if (Array.isArray(r) && isRecord(r[3]) && Object.keys(r[3]).length > 0) {
        throw new ImportError(`${where}: it is called with arguments ${describeValue(r[3])}, which can't be imported`);
      }
      return ref;
    });
  });
}

/** The model's leaf layers in file order with their inputs, its inputs and outputs. */
export function flattenTopology(topology: unknown): FlatModel {
  const { className, config } = modelConfigOf(topology);
  const model = new Flattener().model(className, config, null, 0, '');
  if (model.inputs.length === 0) throw new ImportError(`model '${model.name}' has no input`);
  if (model.outputs.length === 0) throw new ImportError(`model '${model.name}' has no output`);
  return model;
}
