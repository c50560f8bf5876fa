import type { NodeDecl } from '../../decl';
import { add } from './add';
import { average } from './average';
import { concatenate } from './concatenate';
import { dot } from './dot';
import { multiply } from './multiply';
import { subtract } from './subtract';
export const mergeLayers: NodeDecl[] = [concatenate, add, subtract, multiply, average, dot];
