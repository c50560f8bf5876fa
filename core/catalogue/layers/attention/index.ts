import type { NodeDecl } from '../../decl';
export const attentionLayers: NodeDecl[] = [];
