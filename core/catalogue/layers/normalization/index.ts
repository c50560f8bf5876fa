import type { NodeDecl } from '../../decl';
import { batchNorm } from './batch-norm';
import { layerNorm } from './layer-norm';
export const normalizationLayers: NodeDecl[] = [batchNorm, layerNorm];
