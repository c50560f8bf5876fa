import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { CompileError } from '../../core/engine/compile';
import { exportLayersModel, WEIGHTS_FILE } from '../../core/engine/export';
import { compileSeeded } from '../../core/engine/run';
import { applyWeights, WeightsError } from '../../core/engine/weights';
import { runGraph, type SavedRun } from '../../core/graph';
import { selectNodeBackend } from '../node-backend';
import { readGraphFile } from '../read-graph';
import { boundedLine, listProblems } from '../report';
import { writeFileAtomic } from '../../node/atomic-write';
import type { SetExitCode } from './index';
import { noRunMessage, pickRun } from '../pick-run';
import { loadDataset, type DatasetOptions } from '../../core/data';
import { nodeFileSource } from '../../core/data/node-source';
import { analyzeGraph, type GraphDocument } from '../../core/graph';
import { exportOnnx, onnxRefusals, OnnxExportError } from '../../core/export/onnx';
import { buildPytorchProject, ExportRefusal, weightsByNode, type DatasetArrays, type NpyArray } from '../../core/export/pytorch';

interface ExportOptions {
  out: string;
  run?: string;
  format: string;
  withData?: boolean;
}

type Fail = (code: number, message: string) => void;

interface ExportRequest {
  file: string;
  graph: GraphDocument;
  opts: ExportOptions;
  fail: Fail;
}

/** The export formats of `netwright export --format`: one entry per format. */
const EXPORT_FORMATS: Readonly<Record<string, { describe: string; run: (request: ExportRequest) => Promise<void> }>> = {
  layers: { describe: 'TensorFlow.js layers model (model.json + weights.bin + manifest.json) of a kept run', run: exportLayers },
  pytorch: { describe: 'PyTorch project (model.py, train.py for torchrun/DDP, weights.npz of a kept run, README.md)', run: exportPytorch },
  onnx: { describe: 'one ONNX file at --out (opset 17, dynamic batch) with a kept run\'s weights, or the initial ones when none is kept', run: exportOnnxFile },
};

/** The run to export: the asked one, else the last; a missing asked run fails with the list. */
function chooseRun({ file, graph, opts, fail }: ExportRequest, required: boolean): SavedRun | null | 'failed' {
  const runs = graph.runs;
  const run = pickRun(runs, opts.run);
  if (run) return run;
  if (opts.run === undefined && !required) return null;
  fail(1, noRunMessage(file, runs, opts.run));
  return 'failed';
}

async function exportLayers(request: ExportRequest): Promise<void> {
  const { opts, fail } = request;
  const run = chooseRun(request, true);
  if (run === 'failed' || run === null) return;
  if (!run.weights) {
    fail(1, `run ${run.id} (${run.name}) was kept without weights`);
    return;
  }
  await selectNodeBackend(undefined);
  const graph = runGraph(request.graph, run);
  let compiled;
  try {
    compiled = compileSeeded(graph);
  } catch (err) {
    if (err instanceof CompileError) {
      fail(1, `the graph of run ${run.id} cannot be compiled:\n${listProblems(err.issues)}`);
      return;
    }
    throw err;
  }
  try {
    applyWeights(compiled, graph, run.weights);
    const exported = await exportLayersModel(compiled.model, graph);
    await mkdir(opts.out, { recursive: true });
    await writeFileAtomic(join(opts.out, WEIGHTS_FILE), exported.weights);
    await writeFileAtomic(join(opts.out, 'model.json'), exported.modelJson);
    await writeFileAtomic(join(opts.out, 'manifest.json'), `${JSON.stringify({ ...run.manifest, run: { id: run.id, name: run.name, status: run.status, test: run.test } }, null, 2)}\n`);
    process.stdout.write(`exported run ${run.id} (${run.name}) to ${opts.out}: model.json, ${WEIGHTS_FILE}, manifest.json\n`);
  } catch (err) {
    if (err instanceof WeightsError) {
      fail(1, `run ${run.id}: ${boundedLine(err.message)}`);
      return;
    }
    throw err;
  } finally {
    compiled.model.dispose();
  }
}

/** Every split of the graph's dataset, whole, as arrays by feature name. */
async function datasetArrays(graph: GraphDocument): Promise<DatasetArrays | string> {
  const ref = graph.training.dataset;
  if (!ref) return 'the graph has no dataset to write (--with-data); choose one in the Setup tab';
  const dataset = await loadDataset(ref.id, nodeFileSource(), ref.options as DatasetOptions);
  const splits = new Map<string, Map<string, NpyArray>>();
  for (const split of [dataset.train, dataset.validation, dataset.test]) {
    if (split.size === 0) continue;
    const batch = split.gather(Uint32Array.from({ length: split.size }, (_, i) => i));
    const arrays = new Map<string, NpyArray>();
    for (const [name, f] of Object.entries(batch.features)) {
      const shape = [batch.size, ...f.shape];
      arrays.set(name, f.dtype === 'int32' ? { dtype: 'int32', shape, values: Int32Array.from(f.data) } : { dtype: 'float32', shape, values: Float32Array.from(f.data) });
    }
    splits.set(split.name, arrays);
  }
  return { splits };
}

async function exportPytorch(request: ExportRequest): Promise<void> {
  const { opts, fail } = request;
  const run = chooseRun(request, false);
  if (run === 'failed') return;
  const graph = run ? runGraph(request.graph, run) : request.graph;
  let weights = null;
  if (run) {
    if (!run.weights) {
      fail(1, `run ${run.id} (${run.name}) was kept without weights`);
      return;
    }
    await selectNodeBackend(undefined);
    let compiled;
    try {
      compiled = compileSeeded(graph);
    } catch (err) {
      if (err instanceof CompileError) {
        fail(1, `the graph of run ${run.id} cannot be compiled:\n${listProblems(err.issues)}`);
        return;
      }
      throw err;
    }
    try {
      applyWeights(compiled, graph, run.weights);
      weights = weightsByNode(compiled.layerNames, run.weights);
    } catch (err) {
      if (err instanceof WeightsError) {
        fail(1, `run ${run.id}: ${boundedLine(err.message)}`);
        return;
      }
      throw err;
    } finally {
      compiled.model.dispose();
    }
  }
  let data: DatasetArrays | undefined;
  if (opts.withData) {
    const arrays = await datasetArrays(graph);
    if (typeof arrays === 'string') {
      fail(1, arrays);
      return;
    }
    data = arrays;
  }
  let project;
  try {
    project = buildPytorchProject({ graph, analysis: analyzeGraph(graph), weights, runLabel: run ? `run ${run.id} (${run.name})` : undefined, data });
  } catch (err) {
    if (err instanceof ExportRefusal) {
      fail(1, err.message);
      return;
    }
    throw err;
  }
  for (const [path, bytes] of project.files) {
    await mkdir(join(opts.out, path, '..'), { recursive: true });
    await writeFileAtomic(join(opts.out, path), bytes);
  }
  const from = run ? `run ${run.id} (${run.name})` : "the graph (no kept run: Keras' initialization)";
  process.stdout.write(`exported ${from} as a PyTorch project to ${opts.out}: ${[...project.files.keys()].join(', ')}\n`);
}

async function exportOnnxFile(request: ExportRequest): Promise<void> {
  const { file, opts, fail } = request;
  const run = chooseRun(request, false);
  if (run === 'failed') return;
  if (run && !run.weights) {
    fail(1, `run ${run.id} (${run.name}) was kept without weights`);
    return;
  }
  const graph = run ? runGraph(request.graph, run) : request.graph;
  const refused = onnxRefusals(graph);
  if (refused.length > 0) {
    fail(1, `${file} cannot be exported to ONNX:\n${refused.map((r) => `  node "${r.nodeName}" (${r.type}): ${r.reason}`).join('\n')}`);
    return;
  }
  await selectNodeBackend(undefined);
  let compiled;
  try {
    compiled = compileSeeded(graph);
  } catch (err) {
    if (err instanceof CompileError) {
      fail(1, `the graph${run ? ` of run ${run.id}` : ''} cannot be compiled:\n${listProblems(err.issues)}`);
      return;
    }
    throw err;
  }
  const from = run ? `run ${run.id} (${run.name})` : `the initial weights (seed ${graph.training.seed})`;
  try {
    if (run?.weights) applyWeights(compiled, graph, run.weights);
    const exported = exportOnnx(compiled, graph, { description: `${graph.metadata.name || 'model'}: ${from}`, attentionWeights: true });
    await mkdir(dirname(opts.out), { recursive: true });
    await writeFileAtomic(opts.out, exported.bytes);
    const ports = (list: typeof exported.inputs) => list.map((p) => `${p.name} [${p.dims.join(', ')}]`).join(', ');
    process.stdout.write(
      `exported ${from} to ${opts.out}: ONNX opset ${exported.opset}, ${exported.parameterCount} parameters; inputs ${ports(exported.inputs)}; outputs ${ports(exported.outputs)}\n`,
    );
  } catch (err) {
    if (err instanceof WeightsError || err instanceof OnnxExportError) {
      fail(1, `${run ? `run ${run.id}: ` : ''}${boundedLine(err.message)}`);
      return;
    }
    throw err;
  } finally {
    compiled.model.dispose();
  }
}

export function registerExport(program: Command, setExitCode: SetExitCode): void {
  program
    .command('export')
    .description('Export a graph: a kept run as a TensorFlow.js layers model, the graph as a PyTorch project or as an ONNX model (--format).')
    .argument('<graph>', 'graph file (.json)')
    .requiredOption('--out <path>', 'where to write: a directory (layers, pytorch) or a file (onnx)')
    .option('--format <format>', `${Object.entries(EXPORT_FORMATS).map(([k, f]) => `${k}: ${f.describe}`).join('; ')}`, 'layers')
    .option('--run <id|n>', 'the kept run: its id or its position (1 = first); default: the last')
    .option('--with-data', "pytorch: also write the graph's dataset to data/*.npz")
    .action(async (file: string, opts: ExportOptions) => {
      const fail: Fail = (code, message) => {
        process.stderr.write(`netwright: ${message}\n`);
        setExitCode(code);
      };
      const format = EXPORT_FORMATS[opts.format];
      if (!format) {
        fail(1, `unknown export format "${opts.format}"; the formats are ${Object.keys(EXPORT_FORMATS).join(', ')}`);
        return;
      }
      const read = await readGraphFile(file);
      if (!read.ok) {
        if (read.kind === 'unreadable') fail(2, read.message);
        else fail(1, `${file} is not a valid graph:\n${listProblems(read.errors)}`);
        return;
      }
      await format.run({ file, graph: read.graph, opts, fail });
    });
}
