/** Activation names shared by Dense, Conv*, Activation and the recurrent layers (Keras names, camelCase). */
import type { SymbolicTensor } from './decl';
import { LeakyReLULayer } from './leaky-relu';
import { param } from './params';

export const ACTIVATIONS = [
  'linear',
  'relu',
  'leakyRelu',
  'elu',
  'selu',
  'gelu',
  'sigmoid',
  'tanh',
  'softmax',
  'softplus',
  'swish',
] as const;
export type ActivationName = (typeof ACTIVATIONS)[number];

/** Identifiers tfjs layers accept directly in their `activation` option. */
type TfjsActivation = Exclude<ActivationName, 'leakyRelu'>;

export function activationParam(defaultValue: ActivationName = 'linear', card = true) {
  return param.enum({
    options: ACTIVATIONS,
    default: defaultValue,
    label: 'Activation',
    help: 'Applied to the output. Use linear before a loss that takes logits.',
    card,
  });
}

/** tfjs has no `leakyRelu` activation identifier; it is applied as a separate layer. */
export function fusedActivation(name: ActivationName): TfjsActivation {
  return name === 'leakyRelu' ? 'linear' : name;
}

export function applyTrailingActivation(x: SymbolicTensor, name: ActivationName, layerName: string): SymbolicTensor {
  if (name !== 'leakyRelu') return x;
  return new LeakyReLULayer({ alpha: 0.3, name: `${layerName}_leaky_relu` }).apply(x) as SymbolicTensor;
}
