/** Parameter specs shared by the convolution layers (Keras names, tfjs camelCase). */
import { param } from '../../params';

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
