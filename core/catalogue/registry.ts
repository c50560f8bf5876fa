/** The catalogue: every node type, looked up by its type name. */
import { CATEGORIES, type Category, type NodeDecl } from './decl';
import { inputLayers } from './layers/inputs';
import { coreLayers } from './layers/core';
import { mergeLayers } from './layers/merge';
import { convolutionLayers } from './layers/convolution';
import { poolingLayers } from './layers/pooling';
import { normalizationLayers } from './layers/normalization';
import { recurrentLayers } from './layers/recurrent';
import { attentionLayers } from './layers/attention';
import { generativeLayers } from './layers/generative';
import { lossLayers } from './layers/losses';

const ALL: readonly NodeDecl[] = [
  ...inputLayers,
  ...coreLayers,
  ...mergeLayers,
  ...convolutionLayers,
  ...poolingLayers,
  ...normalizationLayers,
  ...recurrentLayers,
  ...attentionLayers,
  ...generativeLayers,
  ...lossLayers,
];

const BY_TYPE: ReadonlyMap<string, NodeDecl> = (() => {
  const map = new Map<string, NodeDecl>();
  for (const decl of ALL) {
    if (map.has(decl.type)) throw new Error(`catalogue: node type "${decl.type}" is declared twice`);
    map.set(decl.type, decl);
  }
  return map;
})();

export function getDecl(type: string): NodeDecl | undefined {
  return BY_TYPE.get(type);
}

export function allDecls(): readonly NodeDecl[] {
  return ALL;
}

export function declsByCategory(): ReadonlyMap<Category, readonly NodeDecl[]> {
  const out = new Map<Category, NodeDecl[]>(CATEGORIES.map((c) => [c, []]));
  for (const decl of ALL) out.get(decl.category)?.push(decl);
  return out;
}
