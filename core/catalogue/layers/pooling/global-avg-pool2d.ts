import { oneInput } from '../../decl';
import { defineGlobalPool } from './window-pool';
export const globalAvgPool2d = defineGlobalPool('GlobalAvgPool2D', 'avg', 2, [{ params: {}, inputs: { in: oneInput([3, 4, 2]) } }]);
