/**
 * The exported train.py under torchrun with two processes (gloo on CPU, DistributedDataParallel):
 * the loss falls over a few hundred steps and both ranks end with identical weights.
 */
import { describe, expect, it } from 'vitest';
import { runDdpMnist, skipReason } from './pytorch-oracle';

const why = skipReason();
if (why) console.log(`PyTorch DDP check skipped: ${why}`);

describe.skipIf(why !== null)('exported project under torchrun', () => {
  it('trains the MNIST MLP on 2 processes: the loss falls, the ranks agree', async () => {
    const { run, losses, rankDifference } = await runDdpMnist(8);
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
    expect(run.stdout).toMatch(/2 process\(es\) on cpu/);
    expect(losses).toHaveLength(8);
    const [first, last] = [losses[0] as number, losses[losses.length - 1] as number];
    console.log(`DDP MNIST MLP: mean loss ${first} (epoch 1) -> ${last} (epoch 8), 2 processes of 32 steps per epoch`);
    expect(last).toBeLessThan(first * 0.5);
    expect(rankDifference).toBe(0);
  }, 300_000);
});
