import type { NodeDecl } from '../../decl';
export const normalizationLayers: NodeDecl[] = [];
