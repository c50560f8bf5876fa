import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { bindDatasetToDocument, datasetsFitting, serializeGraph } from '../../core/graph';
import { ImportError } from '../../core/import/errors';
import { importLayersModel, MODEL_JSON_MAX_BYTES, type ImportedModel } from '../../core/import/layers-model';
import { importModelFiles, modelName } from '../../core/import/model-files';
import { manifestShardPaths, WEIGHT_LIMITS } from '../../core/import/weights-manifest';
import { writeFileAtomic } from '../../node/atomic-write';
import { selectNodeBackend } from '../node-backend';
import { boundedLine, type SetExitCode } from '../report';

/** The largest Keras file read (the importer keeps at most WEIGHT_LIMITS.values float32 weights). */
const MAX_KERAS_FILE_BYTES = WEIGHT_LIMITS.values * 4 + 16 * 1024 * 1024;

async function readBounded(file: string, max: number): Promise<Buffer> {
  const info = await stat(file);
  if (!info.isFile()) throw new ImportError(`${file} is not a file`);
  if (info.size > max) throw new ImportError(`${file} is ${info.size} bytes, over the limit of ${max}`);
  return readFile(file);
}

export function registerImport(program: Command, setExitCode: SetExitCode): void {
  program
    .command('import')
    .description('Import a TensorFlow.js layers model (model.json and its weight files), a Keras 3 .keras archive or a legacy Keras .h5 file as a graph file whose weights are kept as a run.')
    .argument('<model>', 'model.json (its weight files are read from the same folder), model.keras or model.h5')
    .requiredOption('--out <graph>', 'graph file (.json) to write')
    .option('--force', 'overwrite the output file if it exists')
    .option('--backend <name>', 'wasm or cpu (default: wasm if it works)')
    .option('--dataset <id>', 'bind a bundled dataset the model fits (its inputs, vocabularies and outputs: classes, one sigmoid unit, or per-token scores), so the kept run can be inspected and trained further')
    .action(async (file: string, opts: { out: string; force?: boolean; backend?: string; dataset?: string }) => {
      const fail = (code: number, message: string) => {
        process.stderr.write(`netwright: ${boundedLine(message)}\n`);
        setExitCode(code);
      };
      const report = (imported: ImportedModel) =>
        process.stdout.write(
          `imported ${file}: ${imported.layers} nodes, ${imported.parameters.toLocaleString('en-US')} parameters${imported.source === 'netwright-metadata' ? ' (the graph Netwright exported)' : ''}; weights kept as run "${imported.graph.runs[0]?.name ?? ''}" -> ${opts.out}\n`,
        );
      /** Binds --dataset (or lists the datasets that fit), writes the graph and reports; a refused binding writes nothing. */
      const finish = async (imported: ImportedModel): Promise<void> => {
        let graph = imported.graph;
        if (opts.dataset !== undefined) {
          const bound = bindDatasetToDocument(graph, opts.dataset);
          if (!bound.ok) {
            fail(1, `cannot bind --dataset ${opts.dataset}: ${bound.message}`);
            return;
          }
          graph = bound.graph;
        }
        await writeFileAtomic(opts.out, serializeGraph(graph));
        report(imported);
        for (const note of imported.notes) process.stdout.write(`note: ${note}\n`);
        if (opts.dataset !== undefined) process.stdout.write(`bound dataset ${opts.dataset}: ${datasetsFitting(imported.graph).find((f) => f.datasetId === opts.dataset)?.reason ?? ''}\n`);
        else if (!graph.training.dataset) {
          const fitting = datasetsFitting(graph).filter((f) => f.fits);
          process.stdout.write(
            fitting.length > 0
              ? `datasets that fit (bind one with --dataset <id>): ${fitting.map((f) => `${f.datasetId} (${f.reason})`).join('; ')}\n`
              : 'no bundled dataset fits its input and outputs; bind one in the app by hand to train it\n',
          );
        }
      };
      if (!opts.force) {
        const exists = await stat(opts.out).then(
          () => true,
          () => false,
        );
        if (exists) {
          fail(1, `${opts.out} exists; pass --force to overwrite it`);
          return;
        }
      }
      const keras = /\.(keras|h5|hdf5)$/i.test(file);
      let modelBytes: Buffer;
      try {
        modelBytes = await readBounded(file, keras ? MAX_KERAS_FILE_BYTES : MODEL_JSON_MAX_BYTES);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        fail(2, code === 'ENOENT' ? `cannot read ${file}: no such file` : err instanceof ImportError ? err.message : `cannot read ${file}: ${(err as Error).message}`);
        return;
      }
      const folder = path.dirname(file);
      if (keras) {
        try {
          const backend = await selectNodeBackend(opts.backend);
          const imported = await importModelFiles([{ name: path.basename(file), bytes: new Uint8Array(modelBytes.buffer, modelBytes.byteOffset, modelBytes.byteLength) }], { name: modelName(path.basename(file)), backend: backend.backend });
          await finish(imported);
        } catch (err) {
          if (err instanceof ImportError) fail(1, `cannot import ${file}: ${err.message}`);
          else throw err;
        }
        return;
      }
      const modelJson = modelBytes.toString('utf8');
      const shards = new Map<string, Uint8Array>();
      try {
        let manifest: unknown = undefined;
        try {
          manifest = (JSON.parse(modelJson) as { weightsManifest?: unknown }).weightsManifest;
        } catch {
          // importLayersModel says why the JSON is bad.
        }
        let total = 0;
        for (const shard of manifestShardPaths(manifest)) {
          // Only files in the model's folder (a manifest path can't reach elsewhere).
          const local = path.join(folder, path.basename(shard));
          try {
            const bytes = await readBounded(local, WEIGHT_LIMITS.values * 4 - total);
            total += bytes.byteLength;
            shards.set(shard, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          }
        }
        const backend = await selectNodeBackend(opts.backend);
        const name = path.basename(folder) || path.basename(file, '.json');
        const imported = await importLayersModel({ modelJson, shard: (p) => shards.get(p) }, { name, backend: backend.backend, fileName: path.basename(file) });
        await finish(imported);
      } catch (err) {
        if (err instanceof ImportError) {
          fail(1, `cannot import ${file}: ${err.message}`);
          return;
        }
        throw err;
      }
    });
}
