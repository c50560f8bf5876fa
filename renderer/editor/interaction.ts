/**
 * Whether the user is moving the canvas view (a pan or zoom, set by the canvas). UI work that can
 * wait (training views, inspection refreshes) waits until the view settles, so the frames of the
 * move get the CPU: on a machine with few cores, training already takes one of them.
 */
let moving = false;
const settled = new Set<() => void>();

export function setCanvasMoving(on: boolean): void {
  if (moving === on) return;
  moving = on;
  if (!on) for (const f of [...settled]) f();
}

export function isCanvasMoving(): boolean {
  return moving;
}

/** Calls `f` when the current move ends (each time a move ends, until unsubscribed). */
export function onCanvasSettled(f: () => void): () => void {
  settled.add(f);
  return () => void settled.delete(f);
}
