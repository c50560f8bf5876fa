import type { NodeDecl } from '../../decl';
export const convolutionLayers: NodeDecl[] = [];
