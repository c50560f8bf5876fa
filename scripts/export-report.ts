/**
 * `npm run export:report [-- --write]`: the export's numbers per example, measured with the real
 * runtimes through the tests' harnesses (test/unit/export/): parameter counts (Netwright's
 * analysis, the exported PyTorch module's parameters and floating buffers, the ONNX file's weight
 * initializers read back from its bytes), the largest relative output difference against tfjs for
 * PyTorch (Debian's python3-torch, random weights, inference mode) and for ONNX Runtime
 * (onnxruntime-node), one training step's gradients in PyTorch, and one torchrun run of the MNIST
 * MLP on two processes (gloo): the loss before and after, and whether the ranks agree.
 * `--write` puts the table into docs/export.md between its markers. Needs /usr/bin/python3 with
 * torch and numpy (NETWRIGHT_TORCH_PYTHON overrides).
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os, { tmpdir } from 'node:os';
import path, { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerCpuKernelFixes, registerWasmKernelGaps } from '../core/engine/kernels';
import { onnxRefusals } from '../core/export/onnx';
import { analyzeGraph, parseGraphText, type GraphDocument } from '../core/graph';
import { summarize } from '../core/graph/summary';
import { compareWithOrt, meanSampling, onnxInitializerValues } from '../test/unit/export/onnx-harness';
import { deterministic, prepareCase, runDdpMnist, runPython, torchUnavailable } from '../test/unit/export/pytorch-oracle';

const ROOT = resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLES = join(ROOT, 'examples');
const DOC = join(ROOT, 'docs/export.md');
const BEGIN = '<!-- export-report:begin (npm run export:report -- --write) -->';
const END = '<!-- export-report:end -->';

interface Row {
  name: string;
  netwright: number;
  pytorch: number | string;
  onnx: number | string;
  pytorchOutputs: number | string;
  pytorchGradients: number | string;
  onnxOutputs: number | string;
}

function load(file: string): GraphDocument {
  const parsed = parseGraphText(readFileSync(join(EXAMPLES, file), 'utf8'));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.errors.map((e) => e.message).join('; ')}`);
  return parsed.graph;
}

const sci = (x: number | string) => (typeof x === 'number' ? x.toExponential(1) : x);
const count = (x: number | string) => (typeof x === 'number' ? x.toLocaleString('en-US') : x);
const cpuSeconds = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const why = torchUnavailable();
  if (why) throw new Error(`the report needs PyTorch: ${why}`);
  const started = Date.now();
  const cpu = process.cpuUsage();
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).sort();
  const rows = new Map<string, Row>();

  // ONNX on the cpu backend, as test/unit/export/onnx-examples.test.ts.
  await tf.setBackend('cpu');
  for (const file of files) {
    const name = file.replace(/\.json$/, '');
    const graph = load(file);
    const totals = summarize(graph, analyzeGraph(graph)).totals;
    const row: Row = { name, netwright: totals.total, pytorch: '-', onnx: '-', pytorchOutputs: '-', pytorchGradients: '-', onnxOutputs: '-' };
    rows.set(name, row);
    const refused = onnxRefusals(graph);
    if (refused.length > 0) {
      row.onnx = row.onnxOutputs = `refused (node ${refused[0]?.nodeName}${refused.length > 1 ? ` and ${refused.length - 1} more` : ''})`;
      continue;
    }
    const result = await compareWithOrt(meanSampling(graph));
    row.onnx = onnxInitializerValues(result.exported.bytes);
    row.onnxOutputs = Math.max(...Object.values(result.relative));
    process.stderr.write(`onnx ${name}: ${row.onnx} weights, ${sci(row.onnxOutputs)}\n`);
  }

  // PyTorch on wasm with random weights and one step's gradients, as pytorch-verify.test.ts.
  const require = createRequire(import.meta.url);
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
  registerWasmKernelGaps();
  registerCpuKernelFixes();
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
  const root = mkdtempSync(join(tmpdir(), 'netwright-export-report-'));
  const prepared = files.map((file) => prepareCase(file.replace(/\.json$/, ''), deterministic(load(file)), root, 5, true, true));
  const results = runPython(prepared.flatMap((p) => (p.ok ? [p.case] : [])));
  for (const p of prepared) {
    if (!p.ok) {
      const row = rows.get(p.name);
      const node = /node "([^"]+)"/.exec(p.refusal)?.[1];
      if (row) row.pytorch = row.pytorchOutputs = row.pytorchGradients = `refused${node ? ` (node ${node})` : ''}`;
      continue;
    }
    const r = results.get(p.case.name);
    const row = rows.get(p.case.name);
    if (!row) continue;
    if (!r || r.error) {
      row.pytorch = `error: ${r?.error ?? 'no result'}`;
      continue;
    }
    row.pytorch = r.trainable + r.nonTrainable;
    row.pytorchOutputs = Math.max(...Object.values(r.outputs));
    row.pytorchGradients = Math.max(...Object.values(r.gradients));
    process.stderr.write(`pytorch ${p.case.name}: ${row.pytorch} parameters, ${sci(row.pytorchOutputs)}\n`);
  }

  const ddp = await runDdpMnist(8);
  if (ddp.run.status !== 0 || ddp.losses.length !== ddp.epochs) throw new Error(`torchrun failed: ${ddp.run.stderr.slice(-2000)}`);

  const [load1] = os.loadavg();
  const lines = [
    `Measured by \`npm run export:report\` on ${new Date().toISOString().slice(0, 10)} (${os.cpus().length} cores, load average ${(load1 ?? 0).toFixed(1)} at the end, ${((Date.now() - started) / 1000).toFixed(0)} s, ${cpuSeconds(cpu).toFixed(0)} s of CPU in Node).`,
    '',
    '| example | parameters: Netwright | PyTorch | ONNX initializers | PyTorch outputs, max rel. diff. | PyTorch gradients, max rel. diff. | ONNX Runtime outputs, max rel. diff. |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...[...rows.values()].map((r) => `| ${r.name} | ${count(r.netwright)} | ${count(r.pytorch)} | ${count(r.onnx)} | ${sci(r.pytorchOutputs)} | ${sci(r.pytorchGradients)} | ${sci(r.onnxOutputs)} |`),
    '',
    `DDP: mlp-mnist's train.py under \`torchrun --nproc_per_node=2\` (gloo, CPU) on the first 4,096 MNIST training images, ${ddp.epochs} epochs of ${ddp.steps} steps per process: mean training loss ${ddp.losses[0]?.toFixed(4)} (epoch 1) -> ${ddp.losses.at(-1)?.toFixed(4)} (epoch ${ddp.epochs}); the two ranks' final weights differ by at most ${ddp.rankDifference}.`,
  ];
  const table = lines.join('\n');
  process.stdout.write(`${table}\n`);
  if (write) {
    const doc = readFileSync(DOC, 'utf8');
    const a = doc.indexOf(BEGIN);
    const b = doc.indexOf(END);
    if (a < 0 || b < a) throw new Error(`${DOC} has no ${BEGIN} ... ${END} markers`);
    writeFileSync(DOC, `${doc.slice(0, a + BEGIN.length)}\n${table}\n${doc.slice(b)}`);
    process.stderr.write(`wrote the table into ${path.relative(ROOT, DOC)}\n`);
  }
  tf.disposeVariables();
}

main().catch((err: unknown) => {
  process.stderr.write(`export-report: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
