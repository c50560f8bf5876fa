import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
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

/** A kept run by id, by 1-based position, or the last one. */
function pickRun(runs: readonly SavedRun[], which: string | undefined): SavedRun | null {
  if (which === undefined) return runs[runs.length - 1] ?? null;
  const byId = runs.find((r) => r.id === which);
  if (byId) return byId;
  const n = Number(which);
  return Number.isInteger(n) && n >= 1 ? (runs[n - 1] ?? null) : null;
}

export function registerExport(program: Command, setExitCode: SetExitCode): void {
  program
    .command('export')
    .description('Export a run kept in a graph file as a TensorFlow.js layers model (model.json + weights.bin + manifest.json).')
    .argument('<graph>', 'graph file (.json) with kept runs')
    .requiredOption('--out <dir>', 'directory to write the model to')
    .option('--run <id|n>', 'the kept run: its id or its position (1 = first); default: the last')
    .action(async (file: string, opts: { out: string; run?: string }) => {
      const fail = (code: number, message: string) => {
        process.stderr.write(`netwright: ${message}\n`);
        setExitCode(code);
      };
      const read = await readGraphFile(file);
      if (!read.ok) {
        if (read.kind === 'unreadable') fail(2, read.message);
        else fail(1, `${file} is not a valid graph:\n${listProblems(read.errors)}`);
        return;
      }
      const runs = read.graph.runs;
      const run = pickRun(runs, opts.run);
      if (!run) {
        const known = runs.map((r, i) => `  ${i + 1}. ${r.id}  ${r.name}`).join('\n');
        fail(1, runs.length === 0 ? `${file} keeps no runs (train with --keep, or Keep a run in the app)` : `${file} has no run "${opts.run}"; its runs:\n${known}`);
        return;
      }
      if (!run.weights) {
        fail(1, `run ${run.id} (${run.name}) was kept without weights`);
        return;
      }
      await selectNodeBackend(undefined);
      const graph = runGraph(read.graph, run);
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
        const exported = await exportLayersModel(compiled.model);
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
    });
}
