import { oneInput } from '../../decl';
import { definePool2d } from './window-pool';
export const maxPool2d = definePool2d('MaxPool2D', 'max', [{ params: { poolSize: [2], strides: [1, 2], padding: 'valid' }, inputs: { in: oneInput([4, 5, 2]) } }]);
