/**
 * Recognising a TensorFlow.js model.json without importing it (no tfjs here, so the Electron main
 * process and the page can tell a model from a graph file cheaply).
 */

/** Model files are bounded like graph files (the weights come separately). */
export const MODEL_JSON_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Whether JSON text is a TensorFlow.js model.json (layers or graph format) rather than a Netwright
 * graph: it has a modelTopology or says its format.
 */
export function isModelJsonText(text: string): boolean {
  if (text.length > MODEL_JSON_MAX_BYTES || !text.includes('"modelTopology"') && !text.includes('-model"')) return false;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const record = value as Record<string, unknown>;
    return 'modelTopology' in record || record.format === 'layers-model' || record.format === 'graph-model';
  } catch {
    return false;
  }
}
