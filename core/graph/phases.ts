/**
 * Training phases (alternating updates): a GAN trains its discriminator on one loss with the
 * generator held fixed, then its generator on another with the discriminator held fixed, each with
 * its own optimizer. A setup without phases is one phase: every loss, every weight.
 */
import type { GraphIssue, NodeAnalysis } from './analyze';
import type { GraphDocument, TrainingPhase, TrainingSetup } from './document';

export interface EffectivePhase {
  name: string;
  /** Loss node ids; null: every loss of the graph. */
  losses: readonly string[] | null;
  /** Node ids whose weights are updated; null: every trainable weight. */
  updates: readonly string[] | null;
  steps: number;
  optimizer: TrainingPhase['optimizer'];
  learningRate: number;
  momentum: number;
  clipWeights: number | null;
}

/** The phases a run cycles through: the declared ones, or the single phase of a plain setup. */
export function effectivePhases(setup: TrainingSetup): EffectivePhase[] {
  if (setup.phases === undefined) {
    return [{ name: 'train', losses: null, updates: null, steps: 1, optimizer: setup.optimizer, learningRate: setup.learningRate, momentum: setup.momentum, clipWeights: null }];
  }
  return setup.phases.map((p) => ({ ...p, losses: [...p.losses], updates: [...p.updates] }));
}

/** Whether a run alternates phases (so its losses do not add up to one objective). */
export function isPhased(setup: TrainingSetup): boolean {
  return setup.phases !== undefined;
}

/** Problems with the phases, each at its JSON path under `$.training.phases`. */
export function phaseIssues(graph: GraphDocument, results: ReadonlyMap<string, NodeAnalysis>): GraphIssue[] {
  const phases = graph.training.phases;
  if (phases === undefined) return [];
  const issues: GraphIssue[] = [];
  const error = (path: string, message: string, nodeId?: string): void => {
    issues.push({ severity: 'error', path, message, ...(nodeId ? { nodeId } : {}) });
  };
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const names = new Set<string>();
  const trained = new Set<string>();
  phases.forEach((phase, i) => {
    const at = `$.training.phases[${i}]`;
    const title = `training phase "${phase.name}"`;
    if (names.has(phase.name)) error(`${at}.name`, `${title}: two phases are named "${phase.name}"; give each phase its own name`);
    names.add(phase.name);
    phase.losses.forEach((id, j) => {
      const node = byId.get(id);
      const decl = results.get(id)?.decl;
      if (!node) error(`${at}.losses[${j}]`, `${title}: minimises "${id}", which is not a node of this graph`);
      else if (decl?.kind !== 'loss') error(`${at}.losses[${j}]`, `${title}: minimises ${node.name ?? id} (${node.type}), which is not a loss node`, id);
      else trained.add(id);
    });
    phase.updates.forEach((id, j) => {
      const node = byId.get(id);
      const result = results.get(id);
      const path = `${at}.updates[${j}]`;
      if (!node) return error(path, `${title}: updates "${id}", which is not a node of this graph`);
      const name = node.name ?? id;
      if (result?.decl && result.decl.kind !== 'layer') return error(path, `${title}: updates ${name} (${node.type}), which has no weights`, id);
      if (node.shares !== undefined) {
        return error(path, `${title}: updates ${name}, which shares the weights of "${node.shares}"; list "${node.shares}" (the weights are its)`, id);
      }
      if (result && Object.keys(result.outputs).length > 0 && result.params.trainable === 0) {
        issues.push({ severity: 'warning', path, nodeId: id, message: `${title}: updates ${name} (${node.type}), which has no trainable weights` });
      }
    });
  });
  for (const node of graph.nodes) {
    if (results.get(node.id)?.decl?.kind === 'loss' && !trained.has(node.id)) {
      issues.push({
        severity: 'warning',
        nodeId: node.id,
        path: '$.training.phases',
        message: `${node.name ?? node.id} (${node.type}): no training phase minimises this loss, so it is only reported`,
      });
    }
  }
  return issues;
}
