/**
 * The CLI's one way to load a bundled dataset: from data/build, decoded once per process. A
 * dataset is read-only after loading (splits copy rows out into batches), so commands run in one
 * process (the tests call main() many times) share it; MNIST alone costs ~0.75 CPU-s to decode.
 */
import { loadDataset, type Dataset, type DatasetOptions } from '../core/data';
import { nodeFileSource } from '../core/data/node-source';

const loaded = new Map<string, Promise<Dataset>>();

export function loadBundledDataset(id: string, options: DatasetOptions = {}): Promise<Dataset> {
  const key = JSON.stringify([id, options]);
  let dataset = loaded.get(key);
  if (!dataset) {
    dataset = loadDataset(id, nodeFileSource(), options);
    loaded.set(key, dataset);
    // A failure is not kept: the next call reads the files again (they may have been built since).
    dataset.catch(() => loaded.delete(key));
  }
  return dataset;
}
