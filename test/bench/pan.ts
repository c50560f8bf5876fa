/** What both training-UI benchmarks do: the MLP template as the trained document, and a pan. */
import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';

export function mlpDocument(epochs: number): unknown {
  const doc = JSON.parse(readFileSync('examples/mlp-mnist.json', 'utf8')) as { training: Record<string, unknown> };
  doc.training = { ...doc.training, epochs, batchSize: 64 };
  return doc;
}

/** Frame intervals (ms) while the pointer drags the canvas pane back and forth. */
export async function panFrames(page: Page, seconds: number): Promise<number[]> {
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__frames = [];
    w.__recording = true;
    let last = performance.now();
    const tick = (now: number) => {
      w.__frames.push(now - last);
      last = now;
      if (w.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const pane = await page.locator('.react-flow__pane').boundingBox();
  if (!pane) throw new Error('no canvas pane');
  const cx = pane.x + pane.width / 2;
  const cy = pane.y + pane.height / 3;
  const end = Date.now() + seconds * 1000;
  await page.mouse.move(cx, cy);
  await page.mouse.down();
  let dir = 1;
  while (Date.now() < end) {
    for (let i = 0; i < 20; i++) await page.mouse.move(cx + dir * i * 6, cy + dir * i * 2);
    dir = -dir;
  }
  await page.mouse.up();
  return page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __recording: boolean };
    w.__recording = false;
    return w.__frames.slice(2);
  });
}
