/**
 * The names of the GAN metrics (a module without tensors: the UI's game chart reads them too),
 * unprefixed even with several losses (both GAN losses report D(G(z))). GP: a WGAN-GP critic
 * loss's gradient penalty times its lambda, the part of that loss the penalty adds.
 */
export const GAN_METRIC_NAMES = { real: 'D(x)', fake: 'D(G(z))', penalty: 'GP' } as const;
