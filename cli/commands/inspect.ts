/**
 * `netwright inspect <graph> --run <n> --view <kind>`: an inspection view of a kept run, computed
 * by the same core/inspect views the app's training dock shows, as text, JSON or a PNG.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { DatasetOptions } from '../../core/data';
import { loadBundledDataset } from '../load-dataset';
import { CompileError } from '../../core/engine/compile';
import { compileSeeded, RunError } from '../../core/engine/run';
import { applyWeights, WeightsError } from '../../core/engine/weights';
import { runGraph, SubmodelError, type GraphDocument, type SavedRun } from '../../core/graph';
import { compileSubmodel, runSubmodel, type SubmodelFeed } from '../../core/engine/submodel';
import { SeededRandom } from '../../core/data/random';
import { heatmap, renderPicture, type Tile } from '../../core/inspect/picture';
import { encodePng } from '../../core/inspect/png';
import type { Raster } from '../../core/inspect/picture';
import { availableViews, computeView, defaultRequest, isViewKind, VIEW_KINDS, viewOf, viewPicture } from '../../core/inspect/registry';
import { inspectionPlan, modelInputs, parseGivenValues, type GivenSample, type ModelInput } from '../../core/inspect/inspection-input';
import { InspectionSession } from '../../core/inspect/session';
import type { InspectResult } from '../../core/inspect/types';
import { writeFileAtomic } from '../../node/atomic-write';
import { NODE_BACKENDS, selectNodeBackend } from '../node-backend';
import { noRunMessage, pickRun } from '../pick-run';
import { readValidGraph } from '../read-graph';
import { boundedLine, listProblems, type SetExitCode } from '../report';

interface InspectOptions {
  run?: string;
  view?: string;
  input?: string;
  node?: string;
  sample?: number;
  json?: boolean;
  png?: string;
  backend?: string;
  submodel?: string;
  values?: string;
  samples?: number;
}

function sampleNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('--sample must be a whole number >= 0');
  return n;
}

/** JSON with typed arrays as plain arrays (NaN and Infinity become null, as JSON has none). */
export function resultJson(result: InspectResult): string {
  return JSON.stringify(result, (_key, value: unknown) => (ArrayBuffer.isView(value) ? Array.from(value as unknown as ArrayLike<number>) : value));
}

/** One line per field: numbers and text as they are, arrays by their length. */
function describe(value: unknown, indent = ''): string[] {
  if (ArrayBuffer.isView(value)) return [`${value.constructor.name}(${(value as unknown as ArrayLike<number>).length})`];
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== 'object' || v === null)) return [`[${value.slice(0, 12).join(', ')}${value.length > 12 ? `, … ${value.length} in all` : ''}]`];
    return value.slice(0, 8).flatMap((v, i) => [`${indent}- ${i + 1}:`, ...describe(v, `${indent}  `).map((l) => `${indent}  ${l}`)]);
  }
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => {
      const lines = describe(v, `${indent}  `);
      return lines.length === 1 && !(v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) ? [`${k}: ${lines[0]}`] : [`${k}:`, ...lines.map((l) => `  ${l}`)];
    });
  }
  return [typeof value === 'number' ? String(Number(value.toPrecision(6))) : String(value)];
}

/** The result's picture, or null when it has nothing to draw (a sample without an image). */
function pictureOf(result: InspectResult): Raster | null {
  const tiles = viewOf(result.kind).picture(result as never) as unknown[][];
  return tiles.some((row) => row.length > 0) ? viewPicture(result) : null;
}

/**
 * The values given for the sub-model's inputs: "v1,v2,..." for a one-input sub-model, or
 * "name=v1,v2;name=..." per input; each list holds whole samples. Without --values: `samples`
 * draws from N(0, 1) (seeded), as a decoder or generator is run on latents or noise.
 */
function submodelFeeds(
  inputs: readonly { name: string; size: number; dtype: 'float32' | 'int32' }[],
  values: string | undefined,
  samples: number,
  seed: number,
): SubmodelFeed[] | string {
  if (values === undefined) {
    const random = new SeededRandom(seed);
    return inputs.map((input) => {
      const n = samples * input.size;
      if (input.dtype === 'int32') return { rows: samples, values: Int32Array.from({ length: n }, (_, i) => Math.floor(i / input.size)) };
      // Box-Muller from the seeded uniform generator.
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
      return { rows: samples, values: out };
    });
  }
  const parts = values.split(';').map((p) => p.trim()).filter((p) => p.length > 0);
  const byName = new Map<string, string>();
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (inputs.length !== 1 || parts.length !== 1) return `--values: name each input ("${inputs.map((i) => `${i.name}=...`).join(';')}")`;
      byName.set((inputs[0] as { name: string }).name, part);
    } else byName.set(part.slice(0, eq).trim(), part.slice(eq + 1));
  }
  for (const name of byName.keys()) if (!inputs.some((i) => i.name === name)) return `--values: the sub-model has no input "${name}"; its inputs: ${inputs.map((i) => i.name).join(', ')}`;
  const feeds: SubmodelFeed[] = [];
  let rows: number | null = null;
  for (const input of inputs) {
    const text = byName.get(input.name);
    if (text === undefined) return `--values: no values for the input "${input.name}" (${input.size} per sample)`;
    const numbers = text.split(/[\s,]+/).filter((t) => t.length > 0).map(Number);
    if (numbers.some((v) => !Number.isFinite(v))) return `--values: "${input.name}" has a value that is not a number`;
    if (numbers.length === 0 || numbers.length % input.size !== 0) return `--values: "${input.name}" takes ${input.size} numbers per sample, ${numbers.length} were given`;
    const n = numbers.length / input.size;
    if (rows !== null && n !== rows) return `--values: every input needs the same number of samples (${rows} and ${n})`;
    rows = n;
    feeds.push({ rows: n, values: input.dtype === 'int32' ? Int32Array.from(numbers.map(Math.round)) : Float32Array.from(numbers) });
  }
  return feeds;
}

/**
 * `--values` for a model without a dataset: one sample, "v1,v2,..." (one Input) or
 * "name=v1,...;name=..." (each Input by node id or name), or what is wrong with it.
 */
function givenValues(inputs: readonly ModelInput[], values: string): GivenSample | string {
  const parts = values.split(';').map((p) => p.trim()).filter((p) => p.length > 0);
  const texts = new Map<ModelInput, string>();
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq < 0) {
      if (inputs.length !== 1 || parts.length !== 1) return `--values: name each input ("${inputs.map((i) => `${i.nodeId}=...`).join(';')}")`;
      texts.set(inputs[0] as ModelInput, part);
      continue;
    }
    const name = part.slice(0, eq).trim();
    const input = inputs.find((i) => i.nodeId === name) ?? inputs.find((i) => i.name === name);
    if (!input) return `--values: the model has no input "${name}"; its inputs: ${inputs.map((i) => i.nodeId).join(', ')}`;
    texts.set(input, part.slice(eq + 1));
  }
  const sample: GivenSample = {};
  for (const input of inputs) {
    const text = texts.get(input);
    if (text === undefined) return `--values: no values for the input "${input.nodeId}"`;
    const parsed = parseGivenValues(input, text);
    if (!parsed.ok) return `--values: ${parsed.message}`;
    sample[input.nodeId] = parsed.values;
  }
  return sample;
}

/** Each sample's output as a grey tile: images as they are, a square vector (784) as a square. */
function outputTiles(shape: readonly number[], values: Float32Array): Tile[] {
  const [rows = 0, ...sample] = shape;
  const per = sample.reduce((a, b) => a * b, 1);
  let h: number;
  let w: number;
  if (sample.length === 3) [h, w] = [sample[0] as number, (sample[1] as number) * (sample[2] as number)];
  else if (sample.length === 1 && Number.isInteger(Math.sqrt(per)) && per >= 16) h = w = Math.sqrt(per);
  else [h, w] = [1, per];
  return Array.from({ length: rows }, (_, i) => heatmap(values.subarray(i * per, (i + 1) * per), h, w));
}

/** `--submodel`: runs the named sub-model of the kept run alone on the given (or drawn) inputs. */
async function inspectSubmodel(graph: GraphDocument, run: SavedRun & { weights: NonNullable<SavedRun['weights']> }, opts: InspectOptions, name: string, fail: (code: number, message: string) => void): Promise<void> {
  await selectNodeBackend(opts.backend);
  let whole;
  try {
    whole = compileSeeded(graph);
  } catch (err) {
    if (err instanceof CompileError) return fail(1, `the graph of run ${run.id} cannot be compiled:\n${listProblems(err.issues)}`);
    throw err;
  }
  let part;
  try {
    applyWeights(whole, graph, run.weights);
    part = compileSubmodel(graph, name, whole);
  } catch (err) {
    if (err instanceof WeightsError) return fail(1, `run ${run.id}: ${boundedLine(err.message)}`);
    if (err instanceof SubmodelError) return fail(1, boundedLine(err.message));
    if (err instanceof CompileError) return fail(1, `sub-model "${name}" cannot be compiled:\n${listProblems(err.issues)}`);
    throw err;
  } finally {
    whole.model.dispose();
  }
  try {
    const inputs = part.extracted.interface.inputs.map((i) => ({ name: i.inputId, size: (i.shape ?? []).slice(1).reduce<number>((a, d) => a * (d ?? 1), 1), dtype: i.dtype, shape: i.shape ?? [] }));
    const feeds = submodelFeeds(inputs, opts.values, opts.samples ?? 8, graph.training.seed);
    if (typeof feeds === 'string') return fail(1, feeds);
    const outputs = runSubmodel(part, feeds);
    if (opts.json) {
      const json = {
        run: run.id,
        submodel: name,
        inputs: inputs.map((input, i) => ({ name: input.name, shape: [feeds[i]?.rows, ...input.shape.slice(1)], values: Array.from(feeds[i]?.values ?? []) })),
        outputs: outputs.map((o) => ({ node: o.node, port: o.port, shape: o.shape, values: Array.from(o.values, (v) => (Number.isFinite(v) ? v : null)) })),
      };
      process.stdout.write(`${JSON.stringify(json)}\n`);
    } else if (opts.png === undefined) {
      const lines = [`sub-model ${name} of run ${run.id} (${run.name}), ${part.compiled.model.countParams()} parameters`];
      inputs.forEach((input, i) => lines.push(`input ${input.name} [${[feeds[i]?.rows, ...input.shape.slice(1)].join(', ')}]${opts.values === undefined ? ' drawn from N(0, 1)' : ''}`));
      for (const o of outputs) {
        const shown = Array.from(o.values.subarray(0, 12), (v) => Number(v.toPrecision(5)));
        lines.push(`output ${o.node}${o.port === 'out' ? '' : `.${o.port}`} [${o.shape.join(', ')}]: ${shown.join(', ')}${o.values.length > 12 ? `, … ${o.values.length} in all` : ''}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    if (opts.png !== undefined) {
      const picture = renderPicture(outputs.map((o) => outputTiles(o.shape, o.values)));
      await writeFileAtomic(opts.png, encodePng(picture.width, picture.height, picture.rgba));
      if (!opts.json) process.stdout.write(`wrote ${opts.png} (${picture.width} x ${picture.height})\n`);
    }
  } finally {
    part.compiled.model.dispose();
  }
}

export function registerInspect(program: Command, setExitCode: SetExitCode): void {
  program
    .command('inspect')
    .description("Compute an inspection view (the training dock's) of a run kept in a graph file. Without --view, lists the views the run supports.")
    .argument('<graph>', 'graph file (.json) with kept runs')
    .option('--run <id|n>', 'the kept run: its id or its position (1 = first); default: the last')
    .option('--view <kind>', `the view: ${VIEW_KINDS.join(' | ')}`)
    .option('--input <text>', 'decode: the source text (default: the first validation sample)')
    .option('--node <id>', 'activations: the node (default: the first layer)')
    .option('--sample <n>', 'the validation sample (sample, activations, attention); generate: the class label', sampleNumber)
    .option('--json', 'print the result as JSON (typed arrays as arrays)')
    .option('--png <file>', 'write the result as a PNG picture')
    .option('--backend <name>', `tfjs backend: ${NODE_BACKENDS.join(' | ')} (default: the fastest that works)`)
    .option('--submodel <name>', "run only this named sub-model (e.g. a VAE's decoder) on --values or on --samples inputs drawn from N(0, 1)")
    .option('--values <list>', 'the inputs\' values, "v1,v2,..." (one input) or "name=v1,...;name=...": with --submodel whole samples; for a model without a dataset (an imported one) the one sample the views read')
    .option('--samples <n>', 'submodel: how many samples to draw without --values (default 8)', sampleNumber)
    .action(async (file: string, opts: InspectOptions) => {
      const fail = (code: number, message: string) => {
        process.stderr.write(`netwright: ${message}\n`);
        setExitCode(code);
      };
      if (opts.view !== undefined && !isViewKind(opts.view)) {
        fail(1, `no view "${opts.view}"; the views: ${VIEW_KINDS.join(', ')}`);
        return;
      }
      const read = await readValidGraph(file, fail);
      if (!read) return;
      const run = pickRun(read.graph.runs, opts.run);
      if (!run) {
        fail(1, noRunMessage(file, read.graph.runs, opts.run));
        return;
      }
      if (!run.weights) {
        fail(1, `run ${run.id} (${run.name}) was kept without weights`);
        return;
      }
      let graph = runGraph(read.graph, run);
      if (opts.submodel !== undefined) {
        await inspectSubmodel(graph, { ...run, weights: run.weights }, opts, opts.submodel, fail);
        return;
      }
      // A model without a dataset (an imported one) is read on --values, or on a bundled dataset that fits it.
      let given: GivenSample | null = null;
      if (graph.training.dataset && opts.values !== undefined) {
        fail(1, `run ${run.id} reads its dataset ${graph.training.dataset.id}; --values is for a --submodel or a model without a dataset`);
        return;
      }
      if (opts.values !== undefined) {
        const parsed = givenValues(modelInputs(graph), opts.values);
        if (typeof parsed === 'string') {
          fail(1, parsed);
          return;
        }
        given = parsed;
      }
      const plan = inspectionPlan(graph, given);
      if (!plan.ok) {
        fail(1, `run ${run.id}: ${plan.message} with --values`);
        return;
      }
      if (plan.source.kind === 'fitting') {
        process.stderr.write(`netwright: run ${run.id} has no dataset: read on ${plan.source.datasetId} validation samples, which fit the model (${plan.source.reason}); --values gives your own input, netwright import <model> --dataset <id> binds one\n`);
      }
      graph = plan.graph;
      await selectNodeBackend(opts.backend);
      const datasetRef = graph.training.dataset;
      const dataset = 'dataset' in plan ? plan.dataset : await loadBundledDataset(datasetRef?.id ?? '', datasetRef?.options as DatasetOptions);
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
      let session: InspectionSession;
      try {
        session = new InspectionSession(graph, compiled, dataset);
        applyWeights(compiled, graph, run.weights);
      } catch (err) {
        compiled.model.dispose();
        if (err instanceof WeightsError || err instanceof RunError) {
          fail(1, `run ${run.id}: ${boundedLine(err.message)}`);
          return;
        }
        throw err;
      }
      try {
        const available = availableViews(session);
        if (opts.view === undefined) {
          if (opts.json) process.stdout.write(`${JSON.stringify({ run: run.id, views: available })}\n`);
          else process.stdout.write(`run ${run.id} (${run.name}) supports: ${available.join(', ')}\n`);
          return;
        }
        const kind = opts.view as (typeof VIEW_KINDS)[number];
        if (!available.includes(kind)) {
          fail(1, `run ${run.id} does not support the ${kind} view (${viewOf(kind).title}); it supports: ${available.join(', ')}`);
          return;
        }
        let result: InspectResult;
        try {
          result = computeView(session, defaultRequest(session, kind, { input: opts.input, node: opts.node, sample: opts.sample }));
        } catch (err) {
          fail(1, `${kind}: ${boundedLine(err instanceof Error ? err.message : String(err))}`);
          return;
        }
        if (opts.json) process.stdout.write(`${resultJson(result)}\n`);
        else if (opts.png === undefined) process.stdout.write(`${describe(result).join('\n')}\n`);
        if (opts.png !== undefined) {
          const picture = pictureOf(result);
          if (!picture) {
            fail(1, `the ${kind} view of run ${run.id} has nothing to draw (${kind === 'sample' ? 'the dataset has no images' : 'no picture'}); use --json`);
            return;
          }
          await writeFileAtomic(opts.png, encodePng(picture.width, picture.height, picture.rgba));
          if (!opts.json) process.stdout.write(`wrote ${opts.png} (${picture.width} x ${picture.height})\n`);
        }
      } finally {
        session.dispose();
      }
    });
}
