/**
 * The exported train.py under torchrun with two processes (gloo on CPU, DistributedDataParallel):
 * the loss falls over a few hundred steps and both ranks end with identical weights.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../../core/data';
import { nodeFileSource } from '../../../core/data/node-source';
import { npzBytes, type NpyArray } from '../../../core/export/pytorch';
import { runCli } from '../cli/run-cli';
import { PYTHON, skipReason } from './pytorch-oracle';

const why = skipReason();
if (why) console.log(`PyTorch DDP check skipped: ${why}`);

describe.skipIf(why !== null)('exported project under torchrun', () => {
  it('trains the MNIST MLP on 2 processes: the loss falls, the ranks agree', async () => {
    const out = mkdtempSync(join(tmpdir(), 'netwright-pt-ddp-'));
    const exported = await runCli(['export', resolve(__dirname, '../../../examples/mlp-mnist.json'), '--format', 'pytorch', '--out', out]);
    expect(exported.stderr).toBe('');
    // The first 4,096 MNIST training images (the whole set is 172 MB as float32; a few hundred steps need less).
    const mnist = await loadDataset('mnist', nodeFileSource());
    const rows = mnist.train.gather(Uint32Array.from({ length: 4096 }, (_, i) => i));
    const arrays = new Map<string, NpyArray>();
    for (const [name, f] of Object.entries(rows.features)) {
      const shape = [rows.size, ...f.shape];
      arrays.set(name, f.dtype === 'int32' ? { dtype: 'int32', shape, values: Int32Array.from(f.data) } : { dtype: 'float32', shape, values: Float32Array.from(f.data) });
    }
    mkdirSync(join(out, 'data'));
    writeFileSync(join(out, 'data', 'train.npz'), npzBytes(arrays));
    // Debian's torchrun needs --redirects/--tee to show the workers' output.
    const run = spawnSync(
      PYTHON,
      ['-m', 'torch.distributed.run', '--nproc_per_node=2', '--redirects', '1', '--tee', '1', '--master_port', String(29_500 + (process.pid % 400)), 'train.py', '--epochs', '8', '--out', 'model-{rank}.pt'],
      { cwd: out, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' }, timeout: 240_000 },
    );
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toMatch(/2 process\(es\) on cpu/);
    const losses = [...run.stdout.matchAll(/epoch (\d+)\/8: .*?\bloss ([\d.]+)/g)].map((m) => Number(m[2]));
    expect(losses).toHaveLength(8);
    const [first, last] = [losses[0] as number, losses[losses.length - 1] as number];
    console.log(`DDP MNIST MLP: mean loss ${first} (epoch 1) -> ${last} (epoch 8), 2 processes of 32 steps per epoch`);
    expect(last).toBeLessThan(first * 0.5);
    const compare = spawnSync(
      PYTHON,
      ['-c', 'import torch; a = torch.load("model-0.pt"); b = torch.load("model-1.pt"); print(max((a[k] - b[k]).abs().max().item() for k in a))'],
      { cwd: out, encoding: 'utf8' },
    );
    expect(compare.status, compare.stderr).toBe(0);
    expect(Number(compare.stdout.trim())).toBe(0);
  }, 300_000);
});
