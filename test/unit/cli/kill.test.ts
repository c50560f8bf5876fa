/**
 * SIGKILL during `train --keep` writes: the graph file always parses (old or new content) and no
 * temporary file outlives the next write.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder, parseGraphText, serializeGraph } from '../../../core/graph';
import { bundleChild, type BundledChild } from '../../support/node-child';

/** The writer, bundled for plain node (see test/support/node-child.ts). */
let writer: BundledChild;
beforeAll(async () => {
  writer = await bundleChild(resolve('test/unit/cli/fixtures/keep-writer.ts'));
}, 60_000);
afterAll(() => writer.dispose());
/** Floats of weights per kept run: about 1.3 MB of base64, so a write takes a few milliseconds. */
const FLOATS = 250_000;

/** Starts the writer and SIGKILLs it `delayMs` after its temporary file appears. */
function killMidWrite(dir: string, file: string, delayMs: number): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [writer.script, file, String(FLOATS)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    let armed = false;
    const watcher = watch(dir, (_event, name) => {
      if (armed || !name || !String(name).endsWith('.tmp') || !String(name).includes(`-${child.pid}-`)) return;
      armed = true;
      setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.on('error', fail);
    child.on('close', (code, signal) => {
      watcher.close();
      if (signal === 'SIGKILL') done();
      else fail(new Error(`writer ended with ${code}: ${stderr.slice(0, 500)}`));
    });
  });
}

function runOnce(file: string): Promise<number | null> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [writer.script, file, String(FLOATS), 'once'], { stdio: 'ignore' });
    child.on('error', fail);
    child.on('close', (code) => done(code));
  });
}

describe('killing train --keep while it writes', () => {
  it('20 SIGKILLs mid-write: the file always parses and no temporary file is left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netwright-kill-'));
    const file = join(dir, 'graph.json');
    const g = new GraphBuilder('killed');
    const o = g.add('Dense', { units: 2 }, g.add('Input', { shape: [2], feature: 'point' }), 'out');
    g.add('SparseCategoricalCrossentropy', {}, { prediction: o, target: g.add('Input', { shape: [], dtype: 'int32', feature: 'label' }) });
    g.training({ dataset: { id: 'moons', options: {} } });
    writeFileSync(file, serializeGraph(g.build()));
    let tempsSeen = 0;
    for (let i = 0; i < 20; i++) {
      // Spread over the write: while the temp file fills, is synced, around the rename.
      await killMidWrite(dir, file, (i * 3) % 30);
      const parsed = parseGraphText(readFileSync(file, 'utf8'));
      expect(parsed.ok, `after kill ${i + 1}`).toBe(true);
      const temps = readdirSync(dir).filter((f) => f !== 'graph.json');
      // At most the killed writer's own temp file: each write removes the dead writers' ones.
      expect(temps.length, `after kill ${i + 1}: ${temps.join(', ')}`).toBeLessThanOrEqual(1);
      tempsSeen += temps.length;
    }
    console.log(`${tempsSeen} of 20 kills left a temporary file (landed mid-write)`);
    // Some kills did land mid-write (else this test would prove nothing).
    expect(tempsSeen).toBeGreaterThan(0);
    // The next write (one more `--keep` write, run to its end) clears the last one.
    expect(await runOnce(file)).toBe(0);
    expect(parseGraphText(readFileSync(file, 'utf8')).ok).toBe(true);
    expect(readdirSync(dir).filter((f) => f !== 'graph.json')).toEqual([]);
  }, 600_000);
});
