import { affineCoupling } from './affine-coupling';
import { sampling } from './sampling';

export const generativeLayers = [sampling, affineCoupling];
