/** Why a model file cannot be imported: one message that names the layer (position, name, class) or the file part. */
export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

/** A layer as errors name it: "layer 7 'lambda_1' (Lambda)". */
export interface LayerLabel {
  /** 1-based, in the order of the model file (nested models counted in place). */
  position: number;
  name: string;
  className: string;
}

export function layerLabel(layer: LayerLabel): string {
  return `layer ${layer.position} '${layer.name}' (${layer.className})`;
}

/** A refusal of one layer: the caller prefixes it with the layer's label. */
export class LayerRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayerRefusal';
  }
}

export function describeValue(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
