import type { NodeDecl } from '../../decl';
export const generativeLayers: NodeDecl[] = [];
