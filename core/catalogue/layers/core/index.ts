import { activation } from './activation';
import { dense } from './dense';
import { dropout } from './dropout';
import { flatten } from './flatten';
import { permute } from './permute';
import { repeatVector } from './repeat-vector';
import { reshape } from './reshape';
import { split } from './split';
export const coreLayers = [dense, flatten, activation, dropout, reshape, permute, repeatVector, split];
