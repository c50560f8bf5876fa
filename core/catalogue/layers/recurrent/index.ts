import type { NodeDecl } from '../../decl';
export const recurrentLayers: NodeDecl[] = [];
