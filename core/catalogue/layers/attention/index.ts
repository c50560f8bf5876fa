import type { NodeDecl } from '../../decl';
import { attention } from './attention';
import { multiHeadAttention } from './multi-head-attention';
import { positionalEncoding } from './positional-encoding';
import { positionEmbedding } from './position-embedding';
import { transformerEncoderBlock } from './transformer-encoder-block';

export const attentionLayers: NodeDecl[] = [attention, multiHeadAttention, positionalEncoding, positionEmbedding, transformerEncoderBlock];
