import { oneInput } from '../../decl';
import { definePool1d } from './window-pool';
export const avgPool1d = definePool1d('AvgPool1D', 'avg', [{ params: { poolSize: 3, strides: [2], padding: 'valid' }, inputs: { in: oneInput([7, 2]) } }]);
