import { oneInput } from '../../decl';
import { defineGlobalPool } from './window-pool';
export const globalAvgPool1d = defineGlobalPool('GlobalAvgPool1D', 'avg', 1, [{ params: {}, inputs: { in: oneInput([4, 3]) } }]);
