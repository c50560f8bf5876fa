import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { datasetIds, type DatasetOptions } from '../../core/data';
import { loadBundledDataset } from '../load-dataset';
import { CompileError } from '../../core/engine/compile';
import { exportLayersModel, WEIGHTS_FILE } from '../../core/engine/export';
import { compileSeeded, RunError, runTraining, type EpochEvent, type StepEvent } from '../../core/engine/run';
import { LIMITS, nodeDisplayName, toSavedRun, type GraphDocument } from '../../core/graph';
import { applyWeights, captureWeights } from '../../core/engine/weights';
import { noRunMessage, pickRun } from '../pick-run';
import { NODE_BACKENDS, selectNodeBackend } from '../node-backend';
import { keepRunInFile, type KeepOutcome } from '../keep-run';
import { readValidGraph } from '../read-graph';
import { boundedLine, listProblems, type SetExitCode } from '../report';
import { writeFileAtomic } from '../../node/atomic-write';

interface TrainOptions {
  epochs?: number;
  batchSize?: number;
  backend?: string;
  seed?: number;
  limit?: number;
  out?: string;
  keep?: boolean;
  json?: boolean;
  fromRun?: string;
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1`);
    return n;
  };
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31 - 1) throw new InvalidArgumentError('the seed must be a whole number >= 0');
  return n;
}

function formatMetrics(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join('  ');
}

/** Each phase's losses by node name, for a phased run (a GAN): "[discriminator: d_loss 1.2 | generator: g_loss 0.8]  ". */
function phaseLosses(graph: GraphDocument, losses: Record<string, number>): string {
  const phases = graph.training.phases;
  if (!phases) return '';
  const name = (id: string) => {
    const node = graph.nodes.find((n) => n.id === id);
    return node ? nodeDisplayName(node) : id;
  };
  const parts = phases.map((p) => `${p.name}: ${p.losses.map((id) => `${name(id)} ${losses[id]?.toFixed(4) ?? '-'}`).join(' ')}`);
  return `[${parts.join(' | ')}]  `;
}

/** A one-line progress bar redrawn in place on a terminal; silent elsewhere. */
function progressLine(event: StepEvent, epochs: number): string {
  const width = 24;
  const done = Math.round(((event.batch + 1) / event.batches) * width);
  return `epoch ${event.epoch + 1}/${epochs} [${'='.repeat(done)}${' '.repeat(width - done)}] ${event.batch + 1}/${event.batches}  loss ${event.step.loss.toFixed(4)}  ${Math.round(event.samplesPerSecond)} samples/s`;
}

export function registerTrain(program: Command, setExitCode: SetExitCode): void {
  program
    .command('train')
    .description('Train a graph file on its dataset (headless), evaluate on the test split, save weights and a run manifest.')
    .argument('<graph>', 'graph file (.json)')
    .option('--epochs <n>', 'epochs (default: the graph\'s training setup)', positiveInt('--epochs'))
    .option('--batch-size <b>', 'batch size (default: the graph\'s)', positiveInt('--batch-size'))
    .option('--backend <name>', `tfjs backend: ${NODE_BACKENDS.join(' | ')} (default: the fastest that works, wasm)`)
    .option('--seed <s>', 'random seed (default: the graph\'s)', nonNegativeInt)
    .option('--limit <n>', 'use at most n samples of each split (quick checks)', positiveInt('--limit'))
    .option('--out <dir>', 'run directory for model.json, weights.bin and manifest.json')
    .option('--keep', 'keep the run (curves, manifest, weights) in the graph file itself, as the app\'s "Keep" does')
    .option('--from-run <id|n>', "start from a kept run's weights (its id or position, 1 = first) instead of fresh ones, e.g. an imported model's")
    .option('--json', 'print one JSON object per epoch (JSON lines) and a final one')
    .action(async (file: string, opts: TrainOptions) => {
      const fail = (code: number, message: string) => {
        if (opts.json) process.stdout.write(`${JSON.stringify({ event: 'error', message })}\n`);
        process.stderr.write(`netwright: ${message}\n`);
        setExitCode(code);
      };
      if (opts.backend && !(NODE_BACKENDS as readonly string[]).includes(opts.backend)) {
        fail(2, `unknown backend "${opts.backend}" (choose ${NODE_BACKENDS.join(' or ')})`);
        return;
      }
      const read = await readValidGraph(file, fail);
      if (!read) return;
      if (opts.keep && read.graph.runs.length >= LIMITS.runs) {
        fail(1, `${file} already keeps ${read.graph.runs.length} runs (the limit): remove one in the app first`);
        return;
      }
      const graph: GraphDocument = structuredClone(read.graph);
      graph.training.epochs = opts.epochs ?? graph.training.epochs;
      graph.training.batchSize = opts.batchSize ?? graph.training.batchSize;
      graph.training.seed = opts.seed ?? graph.training.seed;
      const datasetRef = graph.training.dataset;
      if (!datasetRef) {
        fail(1, `${file} has no dataset in its training setup (set training.dataset.id to one of: ${datasetIds().join(', ')})`);
        return;
      }
      if (!datasetIds().includes(datasetRef.id)) {
        fail(1, `unknown dataset "${boundedLine(datasetRef.id)}" (known: ${datasetIds().join(', ')})`);
        return;
      }

      const choice = await selectNodeBackend(opts.backend);
      const tty = process.stderr.isTTY && !opts.json;
      let compiled;
      try {
        compiled = compileSeeded(graph);
      } catch (err) {
        if (err instanceof CompileError) {
          fail(1, `${file} cannot be compiled:\n${listProblems(err.issues)}`);
          return;
        }
        throw err;
      }
      if (opts.fromRun !== undefined) {
        const run = pickRun(read.graph.runs, opts.fromRun);
        const problem = !run ? noRunMessage(file, read.graph.runs, opts.fromRun) : !run.weights ? `run ${run.id} keeps no weights to start from` : null;
        if (problem || !run?.weights) {
          compiled.model.dispose();
          fail(1, problem ?? 'no run');
          return;
        }
        try {
          // The weights go by node: the graph may have gained weightless nodes since (a dataset bound).
          applyWeights(compiled, graph, run.weights);
        } catch (err) {
          compiled.model.dispose();
          fail(1, `run ${run.id}'s weights don't fit ${file}: ${boundedLine((err as Error).message)}`);
          return;
        }
        if (!opts.json) process.stderr.write(`Starting from the weights of run ${run.id} (${boundedLine(run.name)})\n`);
      }
      let dataset;
      try {
        dataset = await loadBundledDataset(datasetRef.id, datasetRef.options as DatasetOptions);
      } catch (err) {
        fail(2, boundedLine((err as Error).message));
        return;
      }
      if (!opts.json) {
        process.stderr.write(
          `Training "${graph.metadata.name}" on ${dataset.spec.title} with ${choice.backend}` +
            `${choice.skipped.length ? ` (skipped ${choice.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})` : ''}\n`,
        );
      }
      let lastDraw = 0;
      const stepLosses: number[] = [];
      const epochSteps: number[] = [];
      try {
        const result = await runTraining(graph, compiled, dataset, {
          backend: choice.backend,
          limit: opts.limit ?? null,
          onStep: (event) => {
            stepLosses.push(event.step.loss);
            const now = performance.now();
            if (tty && (now - lastDraw > 100 || event.batch + 1 === event.batches)) {
              lastDraw = now;
              process.stderr.write(`\r${progressLine(event, graph.training.epochs)}\u001b[K`);
            }
          },
          onEpoch: (event: EpochEvent) => {
            epochSteps.push(stepLosses.length);
            if (opts.json) {
              process.stdout.write(
                `${JSON.stringify({
                  event: 'epoch',
                  epoch: event.epoch + 1,
                  loss: event.loss,
                  losses: event.losses,
                  metrics: event.metrics,
                  validation: event.validation && { loss: event.validation.loss, metrics: event.validation.metrics },
                  learningRate: event.learningRate,
                  seconds: event.seconds,
                  samplesPerSecond: event.samplesPerSecond,
                })}\n`,
              );
            } else {
              if (tty) process.stderr.write('\n');
              const val = event.validation ? `  | val loss ${event.validation.loss.toFixed(4)}  ${formatMetrics(event.validation.metrics)}` : '';
              process.stdout.write(
                `epoch ${event.epoch + 1}: loss ${event.loss.toFixed(4)}  ${phaseLosses(graph, event.losses)}${formatMetrics(event.metrics)}${val}  (${event.seconds.toFixed(1)} s, ${Math.round(event.samplesPerSecond)} samples/s)\n`,
              );
            }
          },
        });
        const final = {
          event: 'done',
          status: result.status,
          bestEpoch: result.bestEpoch === null ? null : result.bestEpoch + 1,
          test: result.test && { loss: result.test.loss, metrics: result.test.metrics, samples: result.test.samples },
          nonFinite: result.nonFinite,
          manifest: result.manifest,
        };
        if (opts.out) {
          await mkdir(opts.out, { recursive: true });
          const exported = await exportLayersModel(compiled.model, graph);
          await writeFileAtomic(join(opts.out, WEIGHTS_FILE), exported.weights);
          await writeFileAtomic(join(opts.out, 'model.json'), exported.modelJson);
          await writeFileAtomic(join(opts.out, 'manifest.json'), `${JSON.stringify({ ...result.manifest, result: final }, null, 2)}\n`);
        }
        let kept: KeepOutcome | null = null;
        if (opts.keep) {
          const epochs = result.epochs;
          const saved = toSavedRun({
            id: `run-${Date.now()}`,
            name: `${graph.metadata.name} (command line, ${choice.backend}, seed ${graph.training.seed})`,
            status: result.status,
            graph,
            manifest: result.manifest,
            curves: {
              steps: stepLosses.map((_, i) => i + 1),
              losses: stepLosses,
              epochSteps: epochSteps.slice(0, epochs.length),
              epochLoss: epochs.map((e) => e.loss),
              validationLoss: epochs.map((e) => e.validation?.loss ?? null),
              metrics: Object.fromEntries(Object.keys(epochs[0]?.metrics ?? {}).map((k) => [k, epochs.map((e) => e.metrics[k] ?? Number.NaN)])),
              validationMetrics: Object.fromEntries(Object.keys(epochs[0]?.metrics ?? {}).map((k) => [k, epochs.map((e) => e.validation?.metrics[k] ?? null)])),
            },
            test: result.test,
            weights: captureWeights(compiled.model),
          });
          // The file as it was read (the run records its own epochs/batch size/seed overrides),
          // or as it is now when it was edited meanwhile.
          kept = await keepRunInFile(file, read.hash, read.graph, saved);
        }
        if (kept?.kind === 'beside') {
          process.stderr.write(`netwright: did not keep the run in ${file}: ${boundedLine(kept.reason)}; wrote it beside, to ${kept.file}\n`);
        }
        if (opts.json) process.stdout.write(`${JSON.stringify(kept ? { ...final, kept } : final)}\n`);
        else {
          if (result.nonFinite) process.stdout.write(`stopped: ${result.nonFinite.message}\n`);
          else if (result.status === 'early-stopped') process.stdout.write(`early stopping: best epoch ${final.bestEpoch}\n`);
          if (result.test) process.stdout.write(`test: loss ${result.test.loss.toFixed(4)}  ${formatMetrics(result.test.metrics)}  (${result.test.samples} samples)\n`);
          if (opts.out) process.stdout.write(`saved model.json, ${WEIGHTS_FILE} and manifest.json to ${opts.out}\n`);
          if (kept?.kind === 'kept') process.stdout.write(`kept the run in ${file}\n`);
          if (kept?.kind === 'merged') process.stdout.write(`kept the run in ${file} (changed while training: the run was added to the current file)\n`);
        }
        result.trainer.dispose();
        if (result.status === 'non-finite') setExitCode(1);
      } catch (err) {
        if (err instanceof RunError) {
          fail(1, boundedLine(err.message));
          return;
        }
        throw err;
      } finally {
        compiled.model.dispose();
      }
    });
}
