import type { NodeDecl } from '../../decl';
export const poolingLayers: NodeDecl[] = [];
