/**
 * The part of the ONNX protobuf schema (onnx/onnx.proto, IR version 8) a model file needs, written
 * field by field with protobufjs' Writer. Not protobufjs' reflection: it generates its encoders
 * with `new Function`, which the app's Content-Security-Policy (no 'unsafe-eval') forbids in the
 * worker. Field numbers below are onnx.proto's; ONNX Runtime reads the files back in the tests.
 */
import protobuf from 'protobufjs/minimal.js';

/** TensorProto.DataType values used here. */
export const DATA_TYPE = { float: 1, int32: 6, int64: 7, bool: 9 } as const;
export type OnnxDataType = keyof typeof DATA_TYPE;

/** AttributeProto.AttributeType values used here. */
export const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7 } as const;

/** Plain objects in the shape of the messages above (camelCase field names). */
export interface TensorMessage {
  name: string;
  dims: number[];
  dataType: number;
  rawData: Uint8Array;
}
export interface AttributeMessage {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorMessage;
  g?: GraphMessage;
  floats?: number[];
  ints?: number[];
}
export interface NodeMessage {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain?: string;
  attribute: AttributeMessage[];
}
export interface ValueInfoMessage {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: ({ dimValue: number } | { dimParam: string })[] } } };
  docString?: string;
}
export interface GraphMessage {
  name: string;
  node: NodeMessage[];
  initializer: TensorMessage[];
  input: ValueInfoMessage[];
  output: ValueInfoMessage[];
  docString?: string;
}
export interface ModelMessage {
  irVersion: number;
  opsetImport: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: GraphMessage;
  metadataProps: { key: string; value: string }[];
}

type Writer = protobuf.Writer;

/** Wire types: 0 varint, 2 length-delimited, 5 32-bit. */
const tag = (field: number, wire: 0 | 2 | 5): number => (field << 3) | wire;

function str(w: Writer, field: number, value: string | undefined): void {
  if (value) w.uint32(tag(field, 2)).string(value);
}

function message(w: Writer, field: number, write: (w: Writer) => void): void {
  w.uint32(tag(field, 2)).fork();
  write(w);
  w.ldelim();
}

function tensor(w: Writer, t: TensorMessage): void {
  for (const d of t.dims) w.uint32(tag(1, 0)).int64(d);
  w.uint32(tag(2, 0)).int32(t.dataType);
  str(w, 8, t.name);
  w.uint32(tag(9, 2)).bytes(t.rawData);
}

function attribute(w: Writer, a: AttributeMessage): void {
  str(w, 1, a.name);
  if (a.f !== undefined) w.uint32(tag(2, 5)).float(a.f);
  if (a.i !== undefined) w.uint32(tag(3, 0)).int64(a.i);
  if (a.s !== undefined) w.uint32(tag(4, 2)).bytes(a.s);
  if (a.t !== undefined) message(w, 5, (m) => tensor(m, a.t as TensorMessage));
  if (a.g !== undefined) message(w, 6, (m) => graph(m, a.g as GraphMessage));
  for (const f of a.floats ?? []) w.uint32(tag(7, 5)).float(f);
  for (const i of a.ints ?? []) w.uint32(tag(8, 0)).int64(i);
  w.uint32(tag(20, 0)).int32(a.type);
}

function node(w: Writer, n: NodeMessage): void {
  for (const i of n.input) w.uint32(tag(1, 2)).string(i);
  for (const o of n.output) w.uint32(tag(2, 2)).string(o);
  str(w, 3, n.name);
  str(w, 4, n.opType);
  for (const a of n.attribute) message(w, 5, (m) => attribute(m, a));
  str(w, 7, n.domain);
}

function valueInfo(w: Writer, v: ValueInfoMessage): void {
  str(w, 1, v.name);
  // TypeProto { tensor_type = 1: Tensor { elem_type = 1, shape = 2: { dim = 1: { dim_value = 1 | dim_param = 2 } } } }
  message(w, 2, (type) =>
    message(type, 1, (t) => {
      t.uint32(tag(1, 0)).int32(v.type.tensorType.elemType);
      message(t, 2, (shape) => {
        for (const d of v.type.tensorType.shape.dim) {
          message(shape, 1, (dim) => {
            if ('dimValue' in d) dim.uint32(tag(1, 0)).int64(d.dimValue);
            else str(dim, 2, d.dimParam);
          });
        }
      });
    }),
  );
  str(w, 3, v.docString);
}

function graph(w: Writer, g: GraphMessage): void {
  for (const n of g.node) message(w, 1, (m) => node(m, n));
  str(w, 2, g.name);
  for (const t of g.initializer) message(w, 5, (m) => tensor(m, t));
  str(w, 10, g.docString);
  for (const v of g.input) message(w, 11, (m) => valueInfo(m, v));
  for (const v of g.output) message(w, 12, (m) => valueInfo(m, v));
}

export function encodeModel(model: ModelMessage): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32(tag(1, 0)).int64(model.irVersion);
  str(w, 2, model.producerName);
  str(w, 3, model.producerVersion);
  str(w, 6, model.docString);
  message(w, 7, (m) => graph(m, model.graph));
  for (const o of model.opsetImport) {
    message(w, 8, (m) => {
      str(m, 1, o.domain);
      m.uint32(tag(2, 0)).int64(o.version);
    });
  }
  for (const p of model.metadataProps) {
    message(w, 14, (m) => {
      str(m, 1, p.key);
      str(m, 2, p.value);
    });
  }
  return w.finish();
}
