import { binaryCrossentropy } from './binary-crossentropy';
import { categoricalCrossentropy } from './categorical-crossentropy';
import { flowNll } from './flow-nll';
import { ganDiscriminatorLossDecl, ganGeneratorLossDecl } from './gan';
import { gaussianKl } from './gaussian-kl';
import { meanAbsoluteError, meanSquaredError } from './mean-errors';
import { sequenceCrossentropy } from './sequence-crossentropy';
import { sparseCategoricalCrossentropy } from './sparse-categorical-crossentropy';

export const lossLayers = [
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
  binaryCrossentropy,
  meanSquaredError,
  meanAbsoluteError,
  gaussianKl,
  sequenceCrossentropy,
  flowNll,
  ganDiscriminatorLossDecl,
  ganGeneratorLossDecl,
];
