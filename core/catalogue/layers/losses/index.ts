import { categoricalCrossentropy } from './categorical-crossentropy';
export const lossLayers = [categoricalCrossentropy];
