import type { SavedRun } from '../core/graph';

/** A kept run by id, by 1-based position, or the last one. */
export function pickRun(runs: readonly SavedRun[], which: string | undefined): SavedRun | null {
  if (which === undefined) return runs[runs.length - 1] ?? null;
  const byId = runs.find((r) => r.id === which);
  if (byId) return byId;
  const n = Number(which);
  return Number.isInteger(n) && n >= 1 ? (runs[n - 1] ?? null) : null;
}

/** Why no run was picked, listing the file's runs. */
export function noRunMessage(file: string, runs: readonly SavedRun[], which: string | undefined): string {
  const known = runs.map((r, i) => `  ${i + 1}. ${r.id}  ${r.name}`).join('\n');
  return runs.length === 0 ? `${file} keeps no runs (train with --keep, or Keep a run in the app)` : `${file} has no run "${which}"; its runs:\n${known}`;
}
