import { oneInput } from '../../decl';
import { definePool1d } from './window-pool';
export const maxPool1d = definePool1d('MaxPool1D', 'max', [{ params: { poolSize: 2, padding: 'same' }, inputs: { in: oneInput([5, 2]) } }]);
