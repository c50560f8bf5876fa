/** The PyTorch export's pieces that need no Python: rule coverage, .npy bytes, layouts, padding, the CLI. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { allDecls } from '../../../core/catalogue/registry';
import { LAYER_RULES, LOSS_TYPES, npyBytes, npzBytes, samePadding, transposeArray } from '../../../core/export/pytorch';
import { GraphBuilder, serializeGraph } from '../../../core/graph';
import { runCli } from '../cli/run-cli';

describe('PyTorch export rules', () => {
  it('has a rule or a reasoned refusal for every catalogue type', () => {
    const missing: string[] = [];
    for (const decl of allDecls()) {
      if (decl.kind === 'input') continue;
      if (decl.kind === 'loss') {
        if (!(LOSS_TYPES as readonly string[]).includes(decl.type)) missing.push(`${decl.type} (loss)`);
        continue;
      }
      const rule = LAYER_RULES[decl.type];
      if (!rule) missing.push(decl.type);
      else if (rule.kind === 'refuse') expect(rule.reason.length, `${decl.type}'s refusal says why`).toBeGreaterThan(20);
    }
    expect(missing, 'catalogue types without a PyTorch rule or refusal').toEqual([]);
  });

  it("pads 'same' like TensorFlow: the extra pixel after", () => {
    expect(samePadding(28, 3, 2)).toEqual([0, 1]); // out 14: (13·2 + 3) - 28 = 1
    expect(samePadding(28, 5, 1)).toEqual([2, 2]);
    expect(samePadding(7, 4, 1)).toEqual([1, 2]);
    expect(samePadding(10, 3, 1, 2)).toEqual([2, 2]); // dilated kernel spans 5
    expect(samePadding(5, 1, 2)).toEqual([0, 0]);
  });

  it('permutes kernels into PyTorch layouts (Keras [kh, kw, in, out] -> [out, in, kh, kw])', () => {
    // value = 1000·kh + 100·kw + 10·in + out at [kh, kw, in, out] of a [2, 3, 2, 4] kernel
    const shape = [2, 3, 2, 4];
    const values = new Float32Array(48);
    let i = 0;
    for (let a = 0; a < 2; a++) for (let b = 0; b < 3; b++) for (let c = 0; c < 2; c++) for (let d = 0; d < 4; d++) values[i++] = 1000 * a + 100 * b + 10 * c + d;
    const t = transposeArray(values, shape, [3, 2, 0, 1]);
    expect(t.shape).toEqual([4, 2, 2, 3]);
    // PyTorch [out=3, in=1, kh=1, kw=2] is Keras [1, 2, 1, 3]
    expect(t.values[((3 * 2 + 1) * 2 + 1) * 3 + 2]).toBe(1000 + 200 + 10 + 3);
  });

  it('writes .npy files numpy can read (header aligned to 64 bytes, little-endian)', () => {
    const bytes = npyBytes({ dtype: 'float32', shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, 6.5]) });
    expect(Array.from(bytes.slice(0, 8))).toEqual([0x93, 78, 85, 77, 80, 89, 1, 0]);
    const headerLength = (bytes[8] as number) + 256 * (bytes[9] as number);
    expect((10 + headerLength) % 64).toBe(0);
    const header = new TextDecoder().decode(bytes.slice(10, 10 + headerLength));
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    expect(new DataView(bytes.buffer).getFloat32(10 + headerLength + 5 * 4, true)).toBe(6.5);
    expect(() => npyBytes({ dtype: 'int32', shape: [3], values: Int32Array.from([1, 2]) })).toThrow(/holds 3 values but 2/);
    const zip = unzipSync(npzBytes(new Map([['a.weight', { dtype: 'int32', shape: [1], values: Int32Array.from([7]) }]])));
    expect(Object.keys(zip)).toEqual(['a.weight.npy']);
  });
});

describe('netwright export --format pytorch', () => {
  const examples = resolve(__dirname, '../../../examples');

  it('writes model.py, train.py and README.md (no run: no weights.npz)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'netwright-pt-cli-'));
    const r = await runCli(['export', join(examples, 'lenet-mnist.json'), '--format', 'pytorch', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PyTorch project/);
    const model = readFileSync(join(out, 'model.py'), 'utf8');
    expect(model).toMatch(/self\.conv1 = nn\.Conv2d\(1, 6, kernel_size=\(5, 5\), padding=\(2, 2\)\)/);
    expect(model).toMatch(/torch\.flatten\(pool2\.permute\(0, 2, 3, 1\), 1\)/);
    expect(readFileSync(join(out, 'train.py'), 'utf8')).toMatch(/DistributedDataParallel/);
    expect(existsSync(join(out, 'README.md'))).toBe(true);
    expect(existsSync(join(out, 'weights.npz'))).toBe(false);
  });

  it('refuses a graph naming the node and the reason', async () => {
    const g = new GraphBuilder('border pools');
    const image = g.add('Input', { shape: [7, 7, 1], feature: 'image' }, undefined, 'image');
    const pooled = g.add('AvgPool2D', { poolSize: [2], strides: [2], padding: 'same' }, image, 'pool');
    const flat = g.add('Flatten', {}, pooled, 'flat');
    const label = g.add('Input', { shape: [16] }, undefined, 'target');
    g.add('MeanSquaredError', {}, { prediction: flat, target: label });
    const dir = mkdtempSync(join(tmpdir(), 'netwright-pt-cli-'));
    const file = join(dir, 'graph.json');
    writeFileSync(file, serializeGraph(g.build()));
    const r = await runCli(['export', file, '--format', 'pytorch', '--out', join(dir, 'out')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/node "pool": average pooling with TensorFlow's asymmetric 'same' padding/);
    expect(existsSync(join(dir, 'out', 'model.py'))).toBe(false);
  });

  it('names the formats when asked for an unknown one', async () => {
    const r = await runCli(['export', join(examples, 'mlp-mnist.json'), '--format', 'caffe', '--out', tmpdir()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown export format "caffe"; the formats are layers, pytorch/);
  });
});
