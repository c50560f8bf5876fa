/**
 * Trained models in the TensorFlow.js layers format: `model.json` (topology + weights manifest)
 * and one `weights.bin`, loadable with `tf.loadLayersModel`. Pure: returns the files' contents;
 * the CLI writes them with fs, the app with its save dialog.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { GraphDocument } from '../graph/document';
import { GRAPH_METADATA_KEY } from '../import/graph-metadata';

export interface ExportedModel {
  modelJson: string;
  weights: Uint8Array;
}

import { WEIGHTS_FILE } from './layers-format';

export { WEIGHTS_FILE };

function concatWeightData(data: tf.io.WeightData): Uint8Array {
  const buffers = Array.isArray(data) ? data : [data];
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    out.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out;
}

/**
 * `graph` (the graph the model was compiled from) is written into the model's
 * userDefinedMetadata, so importing the export gives the same graph back (`core/import`).
 */
export async function exportLayersModel(model: tfl.LayersModel, graph?: GraphDocument): Promise<ExportedModel> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const saved = artifacts as tf.io.ModelArtifacts | null;
  if (!saved || !saved.weightSpecs || saved.weightData === undefined) throw new Error('the model produced no weights to export');
  const json = {
    format: 'layers-model',
    generatedBy: `Netwright (TensorFlow.js ${tf.version_core})`,
    convertedBy: null,
    modelTopology: saved.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: saved.weightSpecs }],
    ...(graph
      ? { userDefinedMetadata: { [GRAPH_METADATA_KEY]: { metadata: graph.metadata, nodes: graph.nodes, edges: graph.edges, training: graph.training } } }
      : {}),
  };
  return { modelJson: `${JSON.stringify(json)}\n`, weights: concatWeightData(saved.weightData) };
}

/** Loads an exported model from its two files (the inverse of `exportLayersModel`). */
export function artifactsFromExport(exported: ExportedModel): tf.io.ModelArtifacts {
  const json = JSON.parse(exported.modelJson) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: exported.weights.slice().buffer,
  };
}
