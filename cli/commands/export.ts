import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { CompileError, type CompiledGraph } from '../../core/engine/compile';
import { compileSubmodel } from '../../core/engine/submodel';
import { exportLayersModel, WEIGHTS_FILE } from '../../core/engine/export';
import { compileSeeded } from '../../core/engine/run';
import { applyWeights, captureWeights, WeightsError } from '../../core/engine/weights';
import { runGraph, type SavedRun } from '../../core/graph';
import { selectNodeBackend } from '../node-backend';
import { readValidGraph, type Fail } from '../read-graph';
import { boundedLine, listProblems, type SetExitCode } from '../report';
import { writeFileAtomic } from '../../node/atomic-write';
import { noRunMessage, pickRun } from '../pick-run';
import type { DatasetOptions } from '../../core/data';
import { loadBundledDataset } from '../load-dataset';
import { analyzeGraph, extractSubmodel, SubmodelError, type GraphDocument, type SubmodelPort } from '../../core/graph';
import { exportOnnx, onnxRefusals, OnnxExportError } from '../../core/export/onnx';
import type { Dataset } from '../../core/data/types';
import { buildPytorchProject, dataFiles, ExportRefusal, splitNpz, weightsByNode } from '../../core/export/pytorch';

interface ExportOptions {
  out: string;
  run?: string;
  format: string;
  withData?: boolean;
  submodel?: string;
}

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

/** What is exported: the whole graph, or the asked sub-model as a graph of its own (its outputs in order). */
interface ExportTarget {
  graph: GraphDocument;
  compiled: CompiledGraph;
  /** The sub-model's outputs; undefined for the whole graph. */
  outputs?: SubmodelPort[];
}

/**
 * Compiles what is exported with the run's weights (or the seeded initial ones): the whole graph,
 * or with --submodel the sub-model alone, which takes the whole model's weights node by node.
 * Reports a failure and returns null.
 */
function compileTarget({ opts, fail }: ExportRequest, graph: GraphDocument, run: SavedRun | null): ExportTarget | null {
  const what = run ? `the graph of run ${run.id}` : 'the graph';
  let compiled: CompiledGraph;
  try {
    compiled = compileSeeded(graph);
  } catch (err) {
    if (err instanceof CompileError) {
      fail(1, `${what} cannot be compiled:\n${listProblems(err.issues)}`);
      return null;
    }
    throw err;
  }
  try {
    if (run?.weights) applyWeights(compiled, graph, run.weights);
    if (opts.submodel === undefined) return { graph, compiled };
    const part = compileSubmodel(graph, opts.submodel, compiled);
    compiled.model.dispose();
    return { graph: part.extracted.graph, compiled: part.compiled, outputs: part.extracted.interface.outputs };
  } catch (err) {
    compiled.model.dispose();
    if (err instanceof WeightsError) fail(1, `${run ? `run ${run.id}: ` : ''}${boundedLine(err.message)}`);
    else if (err instanceof SubmodelError) fail(1, boundedLine(err.message));
    else if (err instanceof CompileError) fail(1, `sub-model "${opts.submodel}" cannot be compiled:\n${listProblems(err.issues)}`);
    else throw err;
    return null;
  }
}

/** " (sub-model generator)" when one is exported. */
function partLabel(opts: ExportOptions): string {
  return opts.submodel === undefined ? '' : ` (sub-model ${opts.submodel})`;
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
  const target = compileTarget(request, runGraph(request.graph, run), run);
  if (!target) return;
  try {
    const exported = await exportLayersModel(target.compiled.model, target.graph);
    await mkdir(opts.out, { recursive: true });
    await writeFileAtomic(join(opts.out, WEIGHTS_FILE), exported.weights);
    await writeFileAtomic(join(opts.out, 'model.json'), exported.modelJson);
    const submodel = opts.submodel === undefined ? {} : { submodel: opts.submodel };
    await writeFileAtomic(join(opts.out, 'manifest.json'), `${JSON.stringify({ ...run.manifest, run: { id: run.id, name: run.name, status: run.status, test: run.test }, ...submodel }, null, 2)}\n`);
    process.stdout.write(`exported run ${run.id} (${run.name})${partLabel(opts)} to ${opts.out}: model.json, ${WEIGHTS_FILE}, manifest.json\n`);
  } finally {
    target.compiled.model.dispose();
  }
}

/** The graph's dataset, for data/<split>.npz (--with-data), or why there is none. */
async function graphDataset(graph: GraphDocument): Promise<Dataset | string> {
  const ref = graph.training.dataset;
  if (!ref) return 'the graph has no dataset to write (--with-data); choose one in the Setup tab';
  return loadBundledDataset(ref.id, ref.options as DatasetOptions);
}

async function exportPytorch(request: ExportRequest): Promise<void> {
  const { opts, fail } = request;
  const run = chooseRun(request, false);
  if (run === 'failed') return;
  let graph = run ? runGraph(request.graph, run) : request.graph;
  let outputs: SubmodelPort[] | undefined;
  let weights = null;
  if (run) {
    if (!run.weights) {
      fail(1, `run ${run.id} (${run.name}) was kept without weights`);
      return;
    }
    await selectNodeBackend(undefined);
    const target = compileTarget(request, graph, run);
    if (!target) return;
    try {
      // The sub-model's weights are the whole model's, copied into its own layers.
      weights = weightsByNode(target.compiled.layerNames, opts.submodel === undefined ? run.weights : captureWeights(target.compiled.model));
      ({ graph, outputs } = target);
    } catch (err) {
      if (err instanceof WeightsError) {
        fail(1, `run ${run.id}: ${boundedLine(err.message)}`);
        return;
      }
      throw err;
    } finally {
      target.compiled.model.dispose();
    }
  } else if (opts.submodel !== undefined) {
    try {
      const extracted = extractSubmodel(graph, analyzeGraph(graph), opts.submodel);
      graph = extracted.graph;
      outputs = extracted.interface.outputs;
    } catch (err) {
      if (err instanceof SubmodelError) {
        fail(1, boundedLine(err.message));
        return;
      }
      throw err;
    }
  }
  let dataset: Dataset | undefined;
  if (opts.withData) {
    const loaded = await graphDataset(graph);
    if (typeof loaded === 'string') {
      fail(1, loaded);
      return;
    }
    dataset = loaded;
  }
  let project;
  try {
    project = buildPytorchProject({ graph, analysis: analyzeGraph(graph), weights, runLabel: run ? `run ${run.id} (${run.name})` : undefined, withData: dataset !== undefined, outputs });
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
  // The dataset streams to its files a chunk of rows at a time (as into the app's zip).
  const data = dataset ? dataFiles(dataset) : [];
  for (const { path, split } of data) {
    await mkdir(join(opts.out, path, '..'), { recursive: true });
    await writeFileAtomic(join(opts.out, path), (function* () {
      for (const chunk of splitNpz(split)) yield chunk.bytes;
    })());
  }
  const from = run ? `run ${run.id} (${run.name})` : "the graph (no kept run: Keras' initialization)";
  process.stdout.write(`exported ${from}${partLabel(opts)} as a PyTorch project to ${opts.out}: ${[...project.files.keys(), ...data.map((d) => d.path)].join(', ')}\n`);
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
  let exportedGraph = graph;
  if (opts.submodel !== undefined) {
    try {
      exportedGraph = extractSubmodel(graph, analyzeGraph(graph), opts.submodel).graph;
    } catch (err) {
      if (err instanceof SubmodelError) {
        fail(1, boundedLine(err.message));
        return;
      }
      throw err;
    }
  }
  const refused = onnxRefusals(exportedGraph);
  if (refused.length > 0) {
    fail(1, `${file}${partLabel(opts)} cannot be exported to ONNX:\n${refused.map((r) => `  node "${r.nodeName}" (${r.type}): ${r.reason}`).join('\n')}`);
    return;
  }
  await selectNodeBackend(undefined);
  const target = compileTarget(request, graph, run);
  if (!target) return;
  const from = run ? `run ${run.id} (${run.name})` : `the initial weights (seed ${graph.training.seed})`;
  try {
    const exported = exportOnnx(target.compiled, target.graph, { description: `${target.graph.metadata.name || 'model'}: ${from}`, attentionWeights: true });
    await mkdir(dirname(opts.out), { recursive: true });
    await writeFileAtomic(opts.out, exported.bytes);
    const ports = (list: typeof exported.inputs) => list.map((p) => `${p.name} [${p.dims.join(', ')}]`).join(', ');
    process.stdout.write(
      `exported ${from}${partLabel(opts)} to ${opts.out}: ONNX opset ${exported.opset}, ${exported.parameterCount} parameters; inputs ${ports(exported.inputs)}; outputs ${ports(exported.outputs)}\n`,
    );
  } catch (err) {
    if (err instanceof OnnxExportError) {
      fail(1, `${run ? `run ${run.id}: ` : ''}${boundedLine(err.message)}`);
      return;
    }
    throw err;
  } finally {
    target.compiled.model.dispose();
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
    .option('--submodel <name>', 'export only this named sub-model of the graph (e.g. a GAN\'s generator): its inputs are the wires entering it')
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
      const read = await readValidGraph(file, fail);
      if (!read) return;
      await format.run({ file, graph: read.graph, opts, fail });
    });
}
