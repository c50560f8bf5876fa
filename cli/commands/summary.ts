import type { Command } from 'commander';
import { analyzeGraph, formatSummary, summarize } from '../../core/graph';
import { readGraphFile } from '../read-graph';
import { listProblems, type SetExitCode } from '../report';

export function registerSummary(program: Command, setExitCode: SetExitCode): void {
  program
    .command('summary')
    .description('Print the Keras-like summary of a graph file: layers, output shapes, parameter counts.')
    .argument('<graph>', 'graph file (.json)')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const read = await readGraphFile(file);
      if (!read.ok && read.kind === 'unreadable') {
        process.stderr.write(`netwright: ${read.message}\n`);
        setExitCode(2);
        return;
      }
      if (!read.ok) {
        if (opts.json) process.stdout.write(`${JSON.stringify({ valid: false, errors: read.errors }, null, 2)}\n`);
        else {
          process.stderr.write(`netwright: ${file} is not a valid graph:\n${listProblems(read.errors)}\n`);
        }
        setExitCode(1);
        return;
      }
      const summary = summarize(read.graph, analyzeGraph(read.graph));
      const valid = summary.errors.length === 0;
      const runs = read.graph.runs.map((r, i) => ({
        position: i + 1,
        id: r.id,
        name: r.name,
        status: r.status,
        epochs: r.curves.epochLoss.length,
        test: r.test,
        weights: r.weights !== null,
      }));
      if (opts.json) process.stdout.write(`${JSON.stringify({ valid, ...summary, runs }, null, 2)}\n`);
      else {
        process.stdout.write(`${formatSummary(summary)}\n`);
        if (runs.length > 0) {
          process.stdout.write(`\nKept runs (netwright export ${file} --run <n> --out <dir>):\n`);
          for (const r of runs) {
            const test = r.test ? Object.entries(r.test.metrics).map(([k, v]) => `test ${k} ${v === null ? 'n/a' : v.toFixed(4)}`).join(', ') : 'no test';
            process.stdout.write(`  ${r.position}. ${r.id}  ${r.name}  ${r.status}, ${r.epochs} epochs, ${test}${r.weights ? '' : ', no weights'}\n`);
          }
        }
      }
      if (!valid) setExitCode(1);
    });
}
