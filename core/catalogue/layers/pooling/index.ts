import type { NodeDecl } from '../../decl';
import { avgPool1d } from './avg-pool1d';
import { avgPool2d } from './avg-pool2d';
import { cropping2d } from './cropping2d';
import { globalAvgPool1d } from './global-avg-pool1d';
import { globalAvgPool2d } from './global-avg-pool2d';
import { globalMaxPool1d } from './global-max-pool1d';
import { globalMaxPool2d } from './global-max-pool2d';
import { maxPool1d } from './max-pool1d';
import { maxPool2d } from './max-pool2d';
import { upSampling2d } from './upsampling2d';
import { zeroPadding2d } from './zero-padding2d';
export const poolingLayers: NodeDecl[] = [
  maxPool1d,
  maxPool2d,
  avgPool1d,
  avgPool2d,
  globalMaxPool1d,
  globalMaxPool2d,
  globalAvgPool1d,
  globalAvgPool2d,
  upSampling2d,
  zeroPadding2d,
  cropping2d,
];
