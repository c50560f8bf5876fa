import type { NodeDecl } from '../../decl';
export const mergeLayers: NodeDecl[] = [];
