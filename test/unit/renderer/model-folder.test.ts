/** A model folder picked whole (web mode): which files make the model, and clear refusals. */
import { describe, expect, it } from 'vitest';
import { modelInFolder } from '../../../renderer/platform/picked-files';

/** A File as <input webkitdirectory> gives it: its path relative to the picked folder's parent. */
function file(path: string, text: string): File {
  const name = path.split('/').pop() as string;
  const f = new File([text], name);
  Object.defineProperty(f, 'webkitRelativePath', { value: path });
  return f;
}

const modelJson = JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Sequential', config: { layers: [] } }, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [] }] });

describe('modelInFolder', () => {
  it("takes the folder's model.json with its weight files, leaving other files and subfolders out", async () => {
    const opened = await modelInFolder('m', [
      file('m/README.txt', 'notes'),
      file('m/model.json', modelJson),
      file('m/group1-shard1of1.bin', 'abcd'),
      file('m/old/model.json', modelJson),
      file('m/old/group1-shard1of1.bin', 'zz'),
      file('m/graph.json', '{"format":"netwright.graph"}'),
    ]);
    expect(opened.name).toBe('model.json');
    expect(opened.files.map((f) => [f.name, f.bytes.byteLength])).toEqual([
      ['model.json', modelJson.length],
      ['group1-shard1of1.bin', 4],
    ]);
  });

  it('a Keras file alone; no model or several models are refused by name', async () => {
    expect((await modelInFolder('k', [file('k/net.keras', 'PK'), file('k/notes.json', '{}')])).files.map((f) => f.name)).toEqual(['net.keras']);
    await expect(modelInFolder('empty', [file('empty/a.txt', 'x')])).rejects.toThrow('the folder empty has no model.json, .keras or .h5 file');
    await expect(modelInFolder('two', [file('two/model.json', modelJson), file('two/b.h5', 'h')])).rejects.toThrow('the folder two holds 2 models (model.json, b.h5): pick one of them with Open…');
  });
});
