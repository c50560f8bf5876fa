/**
 * `netwright inspect <graph> --run <n> --view <kind>`: an inspection view of a kept run, computed
 * by the same core/inspect views the app's training dock shows, as text, JSON or a PNG.
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { loadDataset, type DatasetOptions } from '../../core/data';
import { nodeFileSource } from '../../core/data/node-source';
import { CompileError } from '../../core/engine/compile';
import { compileSeeded, RunError } from '../../core/engine/run';
import { applyWeights, WeightsError } from '../../core/engine/weights';
import { runGraph } from '../../core/graph';
import { encodePng } from '../../core/inspect/png';
import type { Raster } from '../../core/inspect/picture';
import { availableViews, computeView, defaultRequest, isViewKind, VIEW_KINDS, viewOf, viewPicture } from '../../core/inspect/registry';
import { InspectionSession } from '../../core/inspect/session';
import type { InspectResult } from '../../core/inspect/types';
import { writeFileAtomic } from '../../node/atomic-write';
import { NODE_BACKENDS, selectNodeBackend } from '../node-backend';
import { noRunMessage, pickRun } from '../pick-run';
import { readGraphFile } from '../read-graph';
import { boundedLine, listProblems } from '../report';
import type { SetExitCode } from './index';

interface InspectOptions {
  run?: string;
  view?: string;
  input?: string;
  node?: string;
  sample?: number;
  json?: boolean;
  png?: string;
  backend?: string;
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
    .action(async (file: string, opts: InspectOptions) => {
      const fail = (code: number, message: string) => {
        process.stderr.write(`netwright: ${message}\n`);
        setExitCode(code);
      };
      if (opts.view !== undefined && !isViewKind(opts.view)) {
        fail(1, `no view "${opts.view}"; the views: ${VIEW_KINDS.join(', ')}`);
        return;
      }
      const read = await readGraphFile(file);
      if (!read.ok) {
        if (read.kind === 'unreadable') fail(2, read.message);
        else fail(1, `${file} is not a valid graph:\n${listProblems(read.errors)}`);
        return;
      }
      const run = pickRun(read.graph.runs, opts.run);
      if (!run) {
        fail(1, noRunMessage(file, read.graph.runs, opts.run));
        return;
      }
      if (!run.weights) {
        fail(1, `run ${run.id} (${run.name}) was kept without weights`);
        return;
      }
      const graph = runGraph(read.graph, run);
      const datasetRef = graph.training.dataset;
      if (!datasetRef) {
        fail(1, `run ${run.id} has no dataset`);
        return;
      }
      await selectNodeBackend(opts.backend);
      const dataset = await loadDataset(datasetRef.id, nodeFileSource(), datasetRef.options as DatasetOptions);
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
