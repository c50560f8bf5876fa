/**
 * A GAN's diagnoses, without tensors (the UI's run model uses them too): mode collapse and a
 * discriminator that wins outright.
 */
import type { GanFormulation } from '../catalogue/layers/losses/gan';

/** Generated samples less diverse than this share of the real data's are reported as mode collapse. */
export const MODE_COLLAPSE_RATIO = 0.25;
/** D(G(z)) below this ... */
export const DISCRIMINATOR_WINS_BELOW = 0.05;
/** ... on every one of this many last steps: the discriminator wins outright. */
export const DISCRIMINATOR_WINS_STEPS = 50;

/**
 * Whether the discriminator wins outright: its verdict on generated samples, D(G(z)), stayed below
 * DISCRIMINATOR_WINS_BELOW on each of the last DISCRIMINATOR_WINS_STEPS steps that measured it
 * (NaN: a step that did not). The generator then gets almost no gradient from a minimax loss and
 * learns nothing. Not defined for the Wasserstein critic, whose scores are not probabilities.
 */
export function discriminatorWinsOutright(dOfGz: readonly number[], formulation: GanFormulation): boolean {
  if (formulation === 'wasserstein' || formulation === 'wasserstein-gp') return false;
  const measured = dOfGz.filter((v) => !Number.isNaN(v));
  if (measured.length < DISCRIMINATOR_WINS_STEPS) return false;
  return measured.slice(-DISCRIMINATOR_WINS_STEPS).every((v) => v < DISCRIMINATOR_WINS_BELOW);
}
