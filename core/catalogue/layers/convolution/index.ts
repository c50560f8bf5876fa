import type { NodeDecl } from '../../decl';
import { conv1d } from './conv1d';
import { conv2d } from './conv2d';
import { conv2dTranspose } from './conv2d-transpose';
import { separableConv2d } from './separable-conv2d';
export const convolutionLayers: NodeDecl[] = [conv1d, conv2d, conv2dTranspose, separableConv2d];
