/**
 * Builds an ONNX graph: unique value names, initializers (weights and constants), nodes with
 * typed attributes, and subgraphs (Scan bodies) that share the name space of their parent, since
 * ONNX forbids a subgraph value shadowing an outer one.
 */
import { ATTRIBUTE_TYPE, DATA_TYPE, type AttributeMessage, type GraphMessage, type NodeMessage, type OnnxDataType, type TensorMessage, type ValueInfoMessage } from './schema';

/** A typed attribute value (ONNX distinguishes ints from floats, so the type is stated). */
export type Attr =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'string'; value: string }
  | { kind: 'graph'; value: GraphMessage };

export const attr = {
  int: (value: number): Attr => ({ kind: 'int', value }),
  float: (value: number): Attr => ({ kind: 'float', value }),
  ints: (value: readonly number[]): Attr => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): Attr => ({ kind: 'floats', value }),
  string: (value: string): Attr => ({ kind: 'string', value }),
  graph: (value: GraphMessage): Attr => ({ kind: 'graph', value }),
};

function attributeMessage(name: string, a: Attr): AttributeMessage {
  switch (a.kind) {
    case 'int':
      return { name, type: ATTRIBUTE_TYPE.int, i: a.value };
    case 'float':
      return { name, type: ATTRIBUTE_TYPE.float, f: a.value };
    case 'ints':
      return { name, type: ATTRIBUTE_TYPE.ints, ints: [...a.value] };
    case 'floats':
      return { name, type: ATTRIBUTE_TYPE.floats, floats: [...a.value] };
    case 'string':
      return { name, type: ATTRIBUTE_TYPE.string, s: new TextEncoder().encode(a.value) };
    case 'graph':
      return { name, type: ATTRIBUTE_TYPE.graph, g: a.value };
  }
}

/** Little-endian bytes of a tensor's elements (ONNX raw_data). */
function rawBytes(values: ArrayLike<number>, type: OnnxDataType): Uint8Array {
  const size = type === 'int64' ? 8 : type === 'bool' ? 1 : 4;
  const bytes = new Uint8Array(values.length * size);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (type === 'float') view.setFloat32(i * 4, v, true);
    else if (type === 'int32') view.setInt32(i * 4, v, true);
    else if (type === 'int64') view.setBigInt64(i * 8, BigInt(v), true);
    else view.setUint8(i, v ? 1 : 0);
  }
  return bytes;
}

/** A dimension of a declared input or output: a size, or a symbolic name ("batch"). */
export type DeclaredDim = number | string;

export function valueInfo(name: string, type: OnnxDataType, dims: readonly DeclaredDim[], docString?: string): ValueInfoMessage {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
    ...(docString ? { docString } : {}),
  };
}

/** Names unique over a model and all its subgraphs. */
class NameSpace {
  private readonly used = new Set<string>();
  take(base: string): string {
    const clean = base.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'v';
    let name = clean;
    for (let i = 2; this.used.has(name); i++) name = `${clean}_${i}`;
    this.used.add(name);
    return name;
  }
  reserve(name: string): void {
    this.used.add(name);
  }
}

export class GraphBuilder {
  readonly nodes: NodeMessage[] = [];
  readonly initializers: TensorMessage[] = [];
  readonly inputs: ValueInfoMessage[] = [];
  readonly outputs: ValueInfoMessage[] = [];
  private readonly constants = new Map<string, string>();
  /** Prefix of the names made now (the node being converted). */
  scope = '';

  constructor(
    readonly name: string,
    private readonly names: NameSpace = new NameSpace(),
  ) {}

  /** A builder for a subgraph (a Scan body) whose names cannot clash with this graph's. */
  subgraph(name: string): GraphBuilder {
    return new GraphBuilder(name, this.names);
  }

  fresh(base: string): string {
    return this.names.take(this.scope ? `${this.scope}/${base}` : base);
  }

  addInput(base: string, type: OnnxDataType, dims: readonly DeclaredDim[], docString?: string): string {
    const name = this.names.take(base);
    this.inputs.push(valueInfo(name, type, dims, docString));
    return name;
  }

  /** Declares `value` as a graph output under the exact name `as` (an Identity when they differ). */
  addOutput(value: string, as: string, type: OnnxDataType, dims: readonly DeclaredDim[], docString?: string): string {
    let name = value;
    if (as !== value) {
      name = this.names.take(as);
      this.nodes.push({ input: [value], output: [name], name: `${name}/identity`, opType: 'Identity', attribute: [] });
    }
    this.outputs.push(valueInfo(name, type, dims, docString));
    return name;
  }

  initializer(base: string, values: ArrayLike<number>, dims: readonly number[], type: OnnxDataType = 'float'): string {
    const count = dims.reduce((a, d) => a * d, 1);
    if (count !== values.length) throw new Error(`initializer ${base}: ${values.length} values for dims [${dims.join(', ')}]`);
    const name = this.fresh(base);
    this.initializers.push({ name, dims: [...dims], dataType: DATA_TYPE[type], rawData: rawBytes(values, type) });
    return name;
  }

  /** A small constant, shared by every use of the same values (shapes, axes, scalars). */
  constant(values: readonly number[], type: OnnxDataType = 'int64', dims: readonly number[] = [values.length]): string {
    const key = `${type}:${dims.join('x')}:${values.join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.names.take(`const_${type}_${values.length <= 4 ? values.join('_').replace(/-/g, 'm').replace(/\./g, 'p') : values.length}`);
    this.initializers.push({ name, dims: [...dims], dataType: DATA_TYPE[type], rawData: rawBytes(values, type) });
    this.constants.set(key, name);
    return name;
  }

  scalar(value: number, type: OnnxDataType = 'float'): string {
    return this.constant([value], type, []);
  }

  /** Adds a node; returns its output names. An input '' is an omitted optional input. */
  node(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, Attr>> = {}, outputCount = 1, base = opType.toLowerCase()): string[] {
    const outputs = Array.from({ length: outputCount }, (_, i) => this.fresh(outputCount === 1 ? base : `${base}_${i}`));
    this.nodes.push({
      input: [...inputs],
      output: outputs,
      name: this.fresh(`${base}_node`),
      opType,
      attribute: Object.entries(attrs).map(([k, a]) => attributeMessage(k, a)),
    });
    return outputs;
  }

  /** A node with one output. */
  op(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, Attr>> = {}, base?: string): string {
    return this.node(opType, inputs, attrs, 1, base)[0] as string;
  }

  graph(docString?: string): GraphMessage {
    return {
      name: this.name,
      node: this.nodes,
      initializer: this.initializers,
      input: this.inputs,
      output: this.outputs,
      ...(docString ? { docString } : {}),
    };
  }
}
