import { oneInput } from '../../decl';
import { definePool2d } from './window-pool';
export const avgPool2d = definePool2d('AvgPool2D', 'avg', [{ params: { poolSize: [2, 3], padding: 'same' }, inputs: { in: oneInput([4, 5, 2]) } }]);
