/** Parameter specs shared by the convolution layers (Keras names, tfjs camelCase). */
import { param } from '../../params';
import { paddingParam } from './spatial';

export function filtersParam() {
  return param.int({
    default: 32,
    min: 1,
    max: 65_536,
    label: 'Filters',
    help: 'Number of output channels (feature maps), the last axis of the output.',
    card: true,
  });
}

export const useBiasParam = () =>
  param.bool({ default: true, label: 'Use bias', help: 'Add a learned bias per filter.' });

/** 2D window sizes: one number for both axes, or [height, width]. */
export function windowParam2d(label: string, help: string, defaultValue: readonly number[], card = false) {
  return param.ints({ default: defaultValue, minLength: 1, maxLength: 2, min: 1, max: 1024, label, help, card });
}

/** strides, padding and dilationRate of a 2D convolution, in the inspector's order. */
export function stridesPaddingDilation2d() {
  return {
    strides: windowParam2d('Strides', 'Step between window positions: one number, or [vertical, horizontal].', [1, 1]),
    padding: paddingParam(),
    dilationRate: windowParam2d(
      'Dilation rate',
      'Gap between kernel taps: a kernel of size k spans (k - 1) * rate + 1 pixels. Must be 1 when strides > 1.',
      [1, 1],
    ),
  };
}
