/** Names of the TensorFlow.js layers format that need no tfjs (the UI thread uses them). */
export const WEIGHTS_FILE = 'weights.bin';
