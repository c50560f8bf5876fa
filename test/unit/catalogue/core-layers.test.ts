import fc from 'fast-check';
import { describe, it } from 'vitest';
import { dense } from '../../../core/catalogue/layers/core/dense';
import { flatten } from '../../../core/catalogue/layers/core/flatten';
import { ACTIVATIONS } from '../../../core/catalogue/activations';
import { checkLayerProperty, checkSerializationRoundTrip, smallDim } from './layer-harness';

describe('core layers agree with tfjs', () => {
  it('Dense', () => {
    checkLayerProperty(
      dense,
      fc.record({
        params: fc.record({ units: smallDim(8), activation: fc.constantFrom(...ACTIVATIONS), useBias: fc.boolean() }),
        inputs: fc.record({ in: fc.array(smallDim(5), { minLength: 1, maxLength: 2 }).map((shape) => [{ shape }]) }),
      }),
    );
  });
  it('Flatten', () => {
    checkLayerProperty(
      flatten,
      fc.record({
        params: fc.constant({}),
        inputs: fc.record({ in: fc.array(smallDim(5), { minLength: 2, maxLength: 4 }).map((shape) => [{ shape }]) }),
      }),
    );
  });
});

describe('core layers survive a save and load in the tfjs layers format', () => {
  it('Dense', async () => {
    await checkSerializationRoundTrip(dense, { params: { units: 3, activation: 'leakyRelu' }, inputs: { in: [{ shape: [4] }] } });
  });
});
