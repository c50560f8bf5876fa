import { affineCoupling } from './affine-coupling';
import { noise } from './noise';
import { sampling } from './sampling';

export const generativeLayers = [sampling, affineCoupling, noise];
