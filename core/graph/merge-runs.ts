/**
 * Merging a graph file that changed on disk into the app's document: `netwright train --keep`
 * appends runs to the file the app has open. The app's graph wins (it is what the user is
 * editing); every run the disk copy has that the app's document lacks (by id) is added after the
 * app's own runs, so neither side loses a run. Pure: used by the Electron main
 * process and by the web platform.
 */
import { LIMITS, type GraphDocument } from './document';
import { parseGraphText } from './parse';
import { serializeGraph } from './serialize';

export type MergedRuns =
  | { ok: true; document: GraphDocument; text: string; gainedRunNames: string[] }
  | { ok: false; reason: string };

export function mergeGainedRuns(oursText: string, diskText: string, diskName: string): MergedRuns {
  const ours = parseGraphText(oursText);
  if (!ours.ok) {
    const first = ours.errors[0];
    return { ok: false, reason: `the document being saved is invalid (${first?.path}: ${first?.message})` };
  }
  const disk = parseGraphText(diskText);
  if (!disk.ok) {
    const first = disk.errors[0];
    return { ok: false, reason: `${diskName} on disk is no longer a valid graph (${first?.path}: ${first?.message})` };
  }
  const known = new Set(ours.graph.runs.map((run) => run.id));
  const gained = disk.graph.runs.filter((run) => !known.has(run.id));
  const runs = [...ours.graph.runs, ...gained];
  if (runs.length > LIMITS.runs) {
    return {
      ok: false,
      reason: `merging would keep ${runs.length} runs, more than the limit of ${LIMITS.runs}: remove some runs first`,
    };
  }
  const document: GraphDocument = { ...ours.graph, runs };
  return { ok: true, document, text: serializeGraph(document), gainedRunNames: gained.map((run) => run.name) };
}
