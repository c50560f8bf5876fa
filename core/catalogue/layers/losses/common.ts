import type { PortSpec } from '../../decl';
import { param } from '../../params';

export const LOSS_PORTS: readonly PortSpec[] = [
  { name: 'prediction', help: "The model's output." },
  { name: 'target', help: 'What the prediction should be: a dataset label, or the input itself for an autoencoder.' },
];

export const lossWeightParam = param.float({
  default: 1,
  min: 0,
  max: 1e6,
  label: 'Weight',
  help: 'This loss is multiplied by the weight before the losses are summed (e.g. beta for a VAE KL term).',
  card: true,
});
