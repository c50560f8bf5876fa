/**
 * The training setup's parameters, declared once like a layer's (bounds, defaults, help): the
 * document schema (`trainingSchema`), `DEFAULT_TRAINING` and the dock's setup form are all derived
 * from this declaration, so a value the form accepts is a value the file opens with.
 */
import { param, type ParamSpecs } from '../catalogue/params';

export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'rmsprop', 'adagrad'] as const;

export const TRAINING_PARAMS = {
  optimizer: param.enum({
    label: 'Optimizer',
    help: 'How weights are updated from gradients. Adam suits most models; momentum is SGD with a running average of the gradients.',
    options: OPTIMIZERS,
    default: 'adam',
  }),
  learningRate: param.float({
    label: 'Learning rate',
    help: 'Step size of the optimizer (Keras default for Adam: 0.001). Too high: the loss jumps or explodes; too low: it barely moves.',
    default: 1e-3,
    min: 0,
    exclusiveMin: true,
    max: 100,
  }),
  momentum: param.float({
    label: 'Momentum',
    help: 'Share of the previous update kept in the next one (the momentum optimizer only).',
    default: 0.9,
    min: 0,
    max: 1,
  }),
  batchSize: param.int({ label: 'Batch size', help: 'Samples per training step.', default: 64, min: 1, max: 65_536 }),
  epochs: param.int({ label: 'Epochs', help: 'Passes over the training set.', default: 10, min: 1, max: 100_000 }),
  seed: param.int({
    label: 'Seed',
    help: 'Seed of weight initialisation, shuffling and dropout: the same seed and backend train the same way.',
    default: 1,
    min: 0,
    max: 2 ** 31 - 1,
  }),
  validationSplit: param.float({
    label: 'Validation split',
    help: 'Fraction of the training data held out to measure validation loss (0 to 0.9).',
    default: 0.1,
    min: 0,
    max: 0.9,
  }),
  gradientClipNorm: param.optionalFloat({
    label: 'Clip gradient norm',
    help: 'Scale the gradients down when their global norm exceeds this value. Empty: no clipping.',
    default: null,
    min: 0,
    exclusiveMin: true,
    max: 1e6,
  }),
  earlyStoppingPatience: param.optionalInt({
    label: 'Early stopping patience',
    help: 'Stop after this many epochs without a better validation loss (the best weights are kept). Empty: never stop early.',
    default: null,
    min: 1,
    max: 10_000,
  }),
  teacherForcingRatio: param.float({
    label: 'Teacher forcing',
    help: 'Probability of feeding a seq2seq decoder the true previous token instead of its own prediction (1: always).',
    default: 1,
    min: 0,
    max: 1,
  }),
} as const satisfies ParamSpecs;

export type TrainingParamKey = keyof typeof TRAINING_PARAMS;

/**
 * The settings of one training phase (a GAN's discriminator or generator phase), declared like the
 * setup's own; a phase's name, losses and updated nodes are lists of ids (document.ts).
 */
export const PHASE_PARAMS = {
  steps: param.int({
    label: 'Steps per cycle',
    help: 'Batches this phase trains on before the next phase takes over (e.g. a discriminator trained k steps per generator step).',
    default: 1,
    min: 1,
    max: 1_000,
  }),
  optimizer: TRAINING_PARAMS.optimizer,
  learningRate: TRAINING_PARAMS.learningRate,
  momentum: TRAINING_PARAMS.momentum,
  beta1: param.float({
    label: 'Adam beta1',
    help: "Decay of Adam's running mean of the gradients (Adam only). Keras' default is 0.9; DCGAN (Radford et al. 2015) trains both networks with 0.5, which keeps the alternating game from oscillating.",
    default: 0.9,
    min: 0,
    max: 0.999,
  }),
  clipWeights: param.optionalFloat({
    label: 'Clip weights',
    help: "After each update, clip every weight this phase updates to [-c, c] (the WGAN critic's Lipschitz constraint). Empty: no clipping.",
    default: null,
    min: 0,
    exclusiveMin: true,
    max: 1_000,
  }),
} as const satisfies ParamSpecs;

export type PhaseParamKey = keyof typeof PHASE_PARAMS;
