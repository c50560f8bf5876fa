import { oneInput } from '../../decl';
import { defineGlobalPool } from './window-pool';
export const globalMaxPool1d = defineGlobalPool('GlobalMaxPool1D', 'max', 1, [{ params: {}, inputs: { in: oneInput([4, 3]) } }]);
