import { dense } from './dense';
import { flatten } from './flatten';
export const coreLayers = [dense, flatten];
