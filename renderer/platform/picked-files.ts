/** Files the user picked or dropped together (browser File objects, in both shells). */
import { isModelJsonText } from '../../core/import/model-json';
import type { OpenedModel } from './platform';

/** Files picked or dropped together: one graph file opens as a graph, anything else is a model to import. */
export async function graphOrModel(files: readonly File[]): Promise<{ graph: { file: File; text: string } } | { model: OpenedModel } | null> {
  const first = files[0];
  if (!first) return null;
  if (files.length === 1 && /\.json$/i.test(first.name)) {
    const text = await first.text();
    if (!isModelJsonText(text)) return { graph: { file: first, text } };
  }
  const read = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
  const entry = read.find((f) => /\.(keras|h5|hdf5)$/i.test(f.name)) ?? read.find((f) => /\.json$/i.test(f.name)) ?? first;
  return { model: { name: entry.name, files: read } };
}
