/** Netwright's Attention and MultiHeadAttention layers written out in ONNX operators. */
import { attr, type GraphBuilder } from './builder';
import { OnnxExportError, type OnnxValue, type RuleContext } from './context';
import { linear } from './ops';

/** Same constant as core/catalogue/layers/attention/common.ts (exp underflows to exactly 0). */
const MASKED_SCORE = -1e9;

function slots(config: Readonly<Record<string, unknown>>, fallback: number[]): number[] {
  const v = config['inputSlots'];
  return Array.isArray(v) && v.length === fallback.length ? (v as number[]) : fallback;
}

function at(inputs: readonly OnnxValue[], slot: number | undefined, what: string): OnnxValue {
  const v = slot === undefined || slot < 0 ? undefined : inputs[slot];
  if (!v) throw new OnnxExportError(`${what} is not wired`);
  return v;
}

/** softmax(scores + causal and key-mask penalties) over the last axis, as maskedSoftmax in tfjs. */
function maskedSoftmax(b: GraphBuilder, scores: string, causal: boolean, tq: number | null, tv: number | null, keyMask: OnnxValue | undefined, leadingAxes: number): string {
  let masked = scores;
  if (causal) {
    if (tq === null || tv === null) throw new OnnxExportError('a causal attention mask needs known sequence lengths to export');
    const penalty = new Float32Array(tq * tv);
    for (let i = 0; i < tq; i++) for (let j = 0; j < tv; j++) penalty[i * tv + j] = j <= i ? 0 : MASKED_SCORE;
    masked = b.op('Add', [masked, b.initializer('causal_penalty', penalty, [tq, tv])]);
  }
  if (keyMask) {
    const keep = b.op('Cast', [b.op('Greater', [keyMask.name, b.scalar(0.5)])], { to: attr.int(1) });
    const axes = Array.from({ length: leadingAxes + 1 }, (_, i) => i + 1);
    const broadcastable = b.op('Unsqueeze', [keep, b.constant(axes)]);
    masked = b.op('Add', [masked, b.op('Mul', [b.op('Sub', [b.scalar(1), broadcastable]), b.scalar(MASKED_SCORE)])]);
  }
  return b.op('Softmax', [masked], { axis: attr.int(-1) });
}

export function attentionRule(ctx: RuleContext): OnnxValue[] {
  const { b, config } = ctx;
  const [qSlot, vSlot, mSlot] = slots(config, [0, 1, -1]);
  const q = at(ctx.inputs, qSlot, 'Attention query');
  const v = at(ctx.inputs, vSlot, 'Attention values');
  const mask = mSlot !== undefined && mSlot >= 0 ? ctx.inputs[mSlot] : undefined;
  const score = String(config['score']);
  const vT = () => b.op('Transpose', [v.name], { perm: attr.ints([0, 2, 1]) });
  let scores: string;
  switch (score) {
    case 'dot':
      scores = b.op('MatMul', [q.name, vT()]);
      break;
    case 'scaledDot': {
      const dq = q.shape[2];
      if (typeof dq !== 'number') throw new OnnxExportError('Attention scaledDot needs a known query size');
      scores = b.op('Div', [b.op('MatMul', [q.name, vT()]), b.scalar(Math.sqrt(dq))]);
      break;
    }
    case 'general':
      scores = b.op('MatMul', [b.op('MatMul', [q.name, ctx.init('kernel')]), vT()]);
      break;
    case 'additive': {
      const units = Number(config['units']);
      const fromValues = b.op('Unsqueeze', [b.op('MatMul', [v.name, ctx.init('values_kernel')]), b.constant([1])]);
      const fromQuery = b.op('Unsqueeze', [b.op('MatMul', [q.name, ctx.init('query_kernel')]), b.constant([2])]);
      const hidden = b.op('Tanh', [b.op('Add', [fromValues, fromQuery])]);
      const vector = ctx.init('score_vector', (w) => ({ values: w.values, shape: [units, 1] }));
      scores = b.op('Squeeze', [b.op('MatMul', [hidden, vector]), b.constant([3])]);
      break;
    }
    default:
      throw new OnnxExportError(`Attention score "${score}" has no ONNX rule`);
  }
  const weights = maskedSoftmax(b, scores, config['causal'] === true, q.shape[1] ?? null, v.shape[1] ?? null, mask, 0);
  const context = b.op('MatMul', [weights, v.name]);
  return [
    { name: context, shape: ctx.outputShapes[0] ?? [], dtype: 'float' },
    { name: weights, shape: ctx.outputShapes[1] ?? [], dtype: 'float' },
  ];
}

export function multiHeadAttentionRule(ctx: RuleContext): OnnxValue[] {
  const { b, config } = ctx;
  const [qSlot, vSlot, kSlot, mSlot] = slots(config, [0, 1, -1, -1]);
  const query = at(ctx.inputs, qSlot, 'MultiHeadAttention query');
  const value = at(ctx.inputs, vSlot, 'MultiHeadAttention value');
  const key = kSlot !== undefined && kSlot >= 0 ? at(ctx.inputs, kSlot, 'MultiHeadAttention key') : value;
  const mask = mSlot !== undefined && mSlot >= 0 ? ctx.inputs[mSlot] : undefined;
  const heads = Number(config['numHeads']);
  const keyDim = Number(config['keyDim']);
  const valueDim = Number(config['valueDim'] ?? keyDim) || keyDim;
  const useBias = config['useBias'] !== false;
  // Kernels [d, heads, headDim] are [d, heads·headDim] row-major: the same bytes, reshaped.
  const flat2 = (w: { values: Float32Array; shape: number[] }) => ({ values: w.values, shape: [w.shape[0] as number, w.values.length / (w.shape[0] as number)] });
  const flat1 = (w: { values: Float32Array; shape: number[] }) => ({ values: w.values, shape: [w.values.length] });
  const projectHeads = (x: OnnxValue, name: string, headDim: number): string => {
    const y = linear(b, x.name, ctx.init(`${name}/kernel`, flat2), useBias ? ctx.init(`${name}/bias`, flat1) : undefined);
    return b.op('Transpose', [b.op('Reshape', [y, b.constant([0, 0, heads, headDim])])], { perm: attr.ints([0, 2, 1, 3]) });
  };
  const q = b.op('Mul', [projectHeads(query, 'query', keyDim), b.scalar(1 / Math.sqrt(keyDim))]);
  const k = projectHeads(key, 'key', keyDim);
  const v = projectHeads(value, 'value', valueDim);
  const scores = b.op('MatMul', [q, b.op('Transpose', [k], { perm: attr.ints([0, 1, 3, 2]) })]);
  const weights = maskedSoftmax(b, scores, config['causal'] === true, query.shape[1] ?? null, value.shape[1] ?? null, mask, 1);
  const merged = b.op('Reshape', [b.op('Transpose', [b.op('MatMul', [weights, v])], { perm: attr.ints([0, 2, 1, 3]) }), b.constant([0, 0, heads * valueDim])]);
  const out = linear(b, merged, ctx.init('attention_output/kernel', (w) => ({ values: w.values, shape: [heads * valueDim, w.shape[2] as number] })), useBias ? ctx.init('attention_output/bias') : undefined);
  return [
    { name: out, shape: ctx.outputShapes[0] ?? [], dtype: 'float' },
    { name: weights, shape: ctx.outputShapes[1] ?? [], dtype: 'float' },
  ];
}
