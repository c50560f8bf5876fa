/**
 * Keras recurrent layers as ONNX Scan loops over time. Each body is the Keras cell written out
 * (gate order and single bias as tfjs stores them: LSTM i, f, c, o; GRU z, r, h with the reset
 * gate applied before the recurrent product), so no gate reordering is involved, and a Keras mask
 * is honoured exactly as tfjs does: a masked step keeps the previous state and repeats the
 * previous output. The input projection x·W + b of all steps is one MatMul before the loop.
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { attr, type GraphBuilder } from './builder';
import { OnnxExportError, type OnnxValue } from './context';
import { activation, activationName, linear, reverseTime, zerosLike2d } from './ops';
import { layerWeight, maybeLayerWeight } from './weights';

export type RecurrentKind = 'LSTM' | 'GRU' | 'SimpleRNN';

export function recurrentKind(className: string): RecurrentKind | undefined {
  return className === 'LSTM' || className === 'GRU' || className === 'SimpleRNN' ? className : undefined;
}

export interface RecurrentResult {
  /** The output sequence [B, T, u] in processing order, or the last output [B, u]. */
  output: string;
  /** Final states: [h] or [h, c] (LSTM). */
  states: string[];
}

/**
 * Runs one recurrent layer over `x` [B, T, F]. `initialStates` are ONNX values ([] = zeros),
 * `mask` a bool [B, T] or undefined.
 */
export function recurrentLayer(
  b: GraphBuilder,
  layer: tfl.layers.Layer,
  x: OnnxValue,
  initialStates: readonly string[],
  mask: string | undefined,
): RecurrentResult {
  const kind = recurrentKind(layer.getClassName());
  if (!kind) throw new OnnxExportError(`${layer.getClassName()} is not a recurrent layer`);
  const config = layer.getConfig() as Record<string, unknown>;
  const units = Number(config['units']);
  const goBackwards = config['goBackwards'] === true;
  const returnSequences = config['returnSequences'] === true;
  if (config['stateful'] === true) throw new OnnxExportError(`${layer.name}: stateful recurrent layers have no ONNX rule`);
  if (config['resetAfter'] === true) throw new OnnxExportError(`${layer.name}: GRU reset_after has no ONNX rule here`);
  const act = activationName(config, 'activation');
  const recAct = activationName(config, 'recurrentActivation');
  const gates = kind === 'LSTM' ? 4 : kind === 'GRU' ? 3 : 1;
  const stateCount = kind === 'LSTM' ? 2 : 1;

  const kernel = layerWeight(layer, 'kernel');
  const recurrent = layerWeight(layer, 'recurrent_kernel');
  const bias = maybeLayerWeight(layer, 'bias');
  const projected = linear(b, x.name, b.initializer('kernel', kernel.values, kernel.shape), bias ? b.initializer('bias', bias.values, bias.shape) : undefined);

  const states = [...initialStates];
  while (states.length < stateCount) states.push(zerosLike2d(b, x.name, units));

  // Recurrent kernels, split outside the loop where the cell uses parts of them.
  let recurrentNames: string[];
  if (kind === 'GRU') {
    const zr = new Float32Array(units * 2 * units);
    const hh = new Float32Array(units * units);
    for (let r = 0; r < units; r++) {
      zr.set(recurrent.values.subarray(r * 3 * units, r * 3 * units + 2 * units), r * 2 * units);
      hh.set(recurrent.values.subarray(r * 3 * units + 2 * units, (r + 1) * 3 * units), r * units);
    }
    recurrentNames = [b.initializer('recurrent_kernel_zr', zr, [units, 2 * units]), b.initializer('recurrent_kernel_h', hh, [units, units])];
  } else {
    recurrentNames = [b.initializer('recurrent_kernel', recurrent.values, recurrent.shape)];
  }

  const body = b.subgraph(`${layer.name}_step`);
  const hPrev = body.addInput(`${layer.name}_h_prev`, 'float', ['batch', units]);
  const cPrev = kind === 'LSTM' ? body.addInput(`${layer.name}_c_prev`, 'float', ['batch', units]) : '';
  const xt = body.addInput(`${layer.name}_x_t`, 'float', ['batch', gates * units]);
  const mt = mask ? body.addInput(`${layer.name}_mask_t`, 'bool', ['batch']) : '';
  const split = (v: string, parts: number): string[] =>
    body.node('Split', [v, body.constant(new Array<number>(parts).fill(units))], { axis: attr.int(-1) }, parts, 'gate');
  let hNew: string;
  let cNew = '';
  if (kind === 'LSTM') {
    const z = body.op('Add', [xt, body.op('MatMul', [hPrev, recurrentNames[0] as string])]);
    const [zi, zf, zc, zo] = split(z, 4) as [string, string, string, string];
    const i = activation(body, zi, recAct);
    const f = activation(body, zf, recAct);
    const o = activation(body, zo, recAct);
    cNew = body.op('Add', [body.op('Mul', [f, cPrev]), body.op('Mul', [i, activation(body, zc, act)])]);
    hNew = body.op('Mul', [o, activation(body, cNew, act)]);
  } else if (kind === 'GRU') {
    const [xz, xr, xh] = split(xt, 3) as [string, string, string];
    const [rz, rr] = split(body.op('MatMul', [hPrev, recurrentNames[0] as string]), 2) as [string, string];
    const z = activation(body, body.op('Add', [xz, rz]), recAct);
    const r = activation(body, body.op('Add', [xr, rr]), recAct);
    const hh = activation(body, body.op('Add', [xh, body.op('MatMul', [body.op('Mul', [r, hPrev]), recurrentNames[1] as string])]), act);
    hNew = body.op('Add', [body.op('Mul', [z, hPrev]), body.op('Mul', [body.op('Sub', [body.scalar(1), z]), hh])]);
  } else {
    hNew = activation(body, body.op('Add', [xt, body.op('MatMul', [hPrev, recurrentNames[0] as string])]), act);
  }
  if (mask) {
    const keep = body.op('Unsqueeze', [mt, body.constant([1])]);
    hNew = body.op('Where', [keep, hNew, hPrev]);
    if (kind === 'LSTM') cNew = body.op('Where', [keep, cNew, cPrev]);
  }
  body.addOutput(hNew, `${layer.name}_h`, 'float', ['batch', units]);
  if (kind === 'LSTM') body.addOutput(cNew, `${layer.name}_c`, 'float', ['batch', units]);
  body.addOutput(body.op('Identity', [hNew]), `${layer.name}_y_t`, 'float', ['batch', units]);

  const scanInputs = mask ? [projected, mask] : [projected];
  const direction = goBackwards ? 1 : 0;
  const outs = b.node(
    'Scan',
    [...states, ...scanInputs],
    {
      body: attr.graph(body.graph()),
      num_scan_inputs: attr.int(scanInputs.length),
      scan_input_axes: attr.ints(scanInputs.map(() => 1)),
      scan_input_directions: attr.ints(scanInputs.map(() => direction)),
      scan_output_axes: attr.ints([1]),
    },
    stateCount + 1,
    layer.name,
  );
  const finalStates = outs.slice(0, stateCount);
  const sequence = outs[stateCount] as string;
  return { output: returnSequences ? sequence : (finalStates[0] as string), states: finalStates };
}

/** The values a recurrent tfjs layer outputs: [out] or [out, h(, c)] with returnState. */
export function recurrentOutputs(layer: tfl.layers.Layer, result: RecurrentResult, x: OnnxValue, outputShapes: readonly (number | null)[][]): OnnxValue[] {
  const config = layer.getConfig() as Record<string, unknown>;
  const returnSequences = config['returnSequences'] === true;
  const values: OnnxValue[] = [
    { name: result.output, shape: outputShapes[0] ?? [], dtype: 'float', ...(returnSequences && x.mask ? { mask: x.mask } : {}) },
  ];
  if (config['returnState'] === true) {
    result.states.forEach((s, i) => values.push({ name: s, shape: outputShapes[i + 1] ?? [], dtype: 'float' }));
  }
  return values;
}

/**
 * tfjs Bidirectional: forward and backward layers, the backward sequence re-reversed, merged;
 * with returnState, then the forward layer's final states and the backward layer's (tfjs' order).
 */
export function bidirectional(b: GraphBuilder, layer: tfl.layers.Layer, x: OnnxValue, outputShapes: readonly (number | null)[][]): OnnxValue[] {
  const wrapper = layer as unknown as { forwardLayer?: tfl.layers.Layer; backwardLayer?: tfl.layers.Layer; mergeMode?: string | null; returnState?: boolean };
  const forward = wrapper.forwardLayer;
  const backward = wrapper.backwardLayer;
  if (!forward || !backward) throw new OnnxExportError(`${layer.name}: Bidirectional without its inner layers`);
  const f = recurrentLayer(b, forward, x, [], x.mask);
  const r = recurrentLayer(b, backward, x, [], x.mask);
  const returnSequences = (forward.getConfig() as Record<string, unknown>)['returnSequences'] === true;
  const back = returnSequences ? reverseTime(b, r.output) : r.output;
  let merged: string;
  switch (wrapper.mergeMode) {
    case 'concat':
      merged = b.op('Concat', [f.output, back], { axis: attr.int(-1) });
      break;
    case 'sum':
      merged = b.op('Add', [f.output, back]);
      break;
    case 'mul':
      merged = b.op('Mul', [f.output, back]);
      break;
    case 'ave':
      merged = b.op('Mul', [b.op('Add', [f.output, back]), b.scalar(0.5)]);
      break;
    default:
      throw new OnnxExportError(`${layer.name}: Bidirectional merge mode "${String(wrapper.mergeMode)}" has no ONNX rule`);
  }
  const values: OnnxValue[] = [{ name: merged, shape: outputShapes[0] ?? [], dtype: 'float', ...(returnSequences && x.mask ? { mask: x.mask } : {}) }];
  if (wrapper.returnState) {
    [...f.states, ...r.states].forEach((state, i) => values.push({ name: state, shape: outputShapes[i + 1] ?? [], dtype: 'float' }));
  }
  return values;
}
