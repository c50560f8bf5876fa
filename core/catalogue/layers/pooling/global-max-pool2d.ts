import { oneInput } from '../../decl';
import { defineGlobalPool } from './window-pool';
export const globalMaxPool2d = defineGlobalPool('GlobalMaxPool2D', 'max', 2, [{ params: {}, inputs: { in: oneInput([3, 4, 2]) } }]);
