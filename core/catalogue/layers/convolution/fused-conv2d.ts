/**
 * Conv2D + bias + ReLU as ONE differentiable op on wasm, over Netwright's SIMD kernels (conv.c).
 *
 * While training, tfjs runs a layer's convolution as conv2d, a bias Add and a Relu (its fused
 * kernel is used only without gradients), and backwards as a Relu gradient (Step, Cast, Multiply),
 * a Sum for the bias, Conv2DBackpropFilter and Conv2DBackpropInput: LeNet's two layers paid about a
 * dozen kernels and as many full passes over their outputs. Here the forward pass is one kernel
 * and each gradient one kernel that applies the ReLU mask itself; the gradients are separate so
 * tfjs asks only for those it needs (no dx for a layer that reads the model's input).
 * Tested against tfjs' cpu backend in test/unit/catalogue/fused-conv2d.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONV2D, CONV2D_BACKPROP_FILTER, CONV2D_BACKPROP_INPUT, CONV2D_BIAS_GRAD, convSimdFor, type FusedConv2DAttrs } from '../../../engine/simd/conv-kernels';

export type FusedConvActivation = 'relu' | 'linear';

let gradientRegistered = false;

function registerGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: CONV2D,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const d = dy as tf.Tensor4D;
      const a = attrs as unknown as tf.NamedAttrMap;
      // Each closure runs only if tfjs needs that input's gradient.
      return {
        x: () => tf.engine().runKernel(CONV2D_BACKPROP_INPUT, { x, dy: d, y, filter }, a) as tf.Tensor,
        filter: () => tf.engine().runKernel(CONV2D_BACKPROP_FILTER, { x, dy: d, y, filter }, a) as tf.Tensor,
        bias: () => tf.engine().runKernel(CONV2D_BIAS_GRAD, { dy: d, y }, a) as tf.Tensor,
      };
    },
  });
}

/** Whether `fusedConv2d` can run this convolution (else the caller keeps the stock path). */
export function fusedConv2dApplies(x: tf.Tensor, activation: string, dataFormat: string | undefined): activation is FusedConvActivation {
  return (
    (activation === 'relu' || activation === 'linear') &&
    (dataFormat === undefined || dataFormat === 'channelsLast') &&
    x.rank === 4 &&
    x.dtype === 'float32' &&
    tf.getBackend() === 'wasm' &&
    convSimdFor(tf.backend()) !== null
  );
}

/** relu(conv2d(x, filter) + bias) (or without the relu) for NHWC x [n, h, w, cin] and filter [kh, kw, cin, cout]. */
export function fusedConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  strides: [number, number],
  pad: 'same' | 'valid',
  dilations: [number, number],
  activation: FusedConvActivation,
): tf.Tensor4D {
  if (x.shape[3] !== filter.shape[2]) {
    throw new Error(`fusedConv2d: the input has ${x.shape[3]} channels but the filter expects ${filter.shape[2]} ([${filter.shape.join(', ')}])`);
  }
  if (bias && bias.shape[0] !== filter.shape[3]) {
    throw new Error(`fusedConv2d: the bias has ${bias.shape[0]} values for ${filter.shape[3]} filters`);
  }
  registerGradient();
  const attrs: FusedConv2DAttrs = { strides, pad, dilations, relu: activation === 'relu' };
  const inputs: tf.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
  return tf.engine().runKernel(CONV2D, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
