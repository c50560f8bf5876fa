/**
 * Training phases (alternating updates): a GAN trains its discriminator on one loss with the
 * generator held fixed, then its generator on another with the discriminator held fixed, each with
 * its own optimizer. A setup without phases is one phase: every loss, every weight.
 */
import type { GraphIssue, NodeAnalysis } from './analysis-types';
import { PHASE_LIMITS, type GraphDocument, type TrainingPhase, type TrainingSetup } from './document';

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
  /** Adam's beta1 (Keras' 0.9 unless the phase sets it; DCGAN uses 0.5). */
  beta1: number;
  clipWeights: number | null;
}

/** The phases a run cycles through: the declared ones, or the single phase of a plain setup. */
export function effectivePhases(setup: TrainingSetup): EffectivePhase[] {
  if (setup.phases === undefined) {
    return [{ name: 'train', losses: null, updates: null, steps: 1, optimizer: setup.optimizer, learningRate: setup.learningRate, momentum: setup.momentum, beta1: 0.9, clipWeights: null }];
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

// ---------------------------------------------------------------------------------------------
// Edits of the phases (pure: each returns the new document, or the same one when nothing changed)

/** Nodes a phase can update: layers with weights of their own (not sharing another's). */
export function phaseUpdatableNodes(graph: GraphDocument, results: ReadonlyMap<string, NodeAnalysis>): string[] {
  return graph.nodes
    .filter((n) => n.shares === undefined && results.get(n.id)?.decl?.kind === 'layer')
    .filter((n) => {
      const p = results.get(n.id)?.params;
      return p !== undefined && p.trainable + p.nonTrainable > 0;
    })
    .map((n) => n.id);
}

function freshPhaseName(phases: readonly TrainingPhase[]): string {
  for (let i = phases.length + 1; ; i++) {
    const name = `phase ${i}`;
    if (!phases.some((p) => p.name === name)) return name;
  }
}

/**
 * Adds a phase. A setup without phases first becomes its one implicit phase made explicit (every
 * loss, every updatable node, the setup's optimizer), then gains a copy of its last phase under a
 * new name, which the user narrows down.
 */
export function addPhase(graph: GraphDocument, results: ReadonlyMap<string, NodeAnalysis>): GraphDocument {
  const setup = graph.training;
  let phases = setup.phases ? [...setup.phases] : [];
  if (phases.length === 0) {
    const losses = graph.nodes.filter((n) => results.get(n.id)?.decl?.kind === 'loss').map((n) => n.id);
    const updates = phaseUpdatableNodes(graph, results);
    if (losses.length === 0 || updates.length === 0) throw new Error('a training phase needs a loss node and a node with weights; add them first');
    phases = [{ name: 'train', losses, updates, steps: 1, optimizer: setup.optimizer, learningRate: setup.learningRate, momentum: setup.momentum, beta1: 0.9, clipWeights: null }];
  }
  if (phases.length >= PHASE_LIMITS.phases) throw new Error(`a setup has at most ${PHASE_LIMITS.phases} phases`);
  const last = phases[phases.length - 1] as TrainingPhase;
  phases.push({ ...structuredClone(last), name: freshPhaseName(phases) });
  return { ...graph, training: { ...setup, phases } };
}

/** Removes phase `index`; removing the last one leaves the plain setup (every loss, every weight). */
export function removePhase(graph: GraphDocument, index: number): GraphDocument {
  const phases = graph.training.phases;
  if (!phases || index < 0 || index >= phases.length) return graph;
  const rest = phases.filter((_, i) => i !== index);
  const training = { ...graph.training };
  if (rest.length === 0) delete training.phases;
  else training.phases = rest;
  return { ...graph, training };
}

/** Why a phase patch is refused (an empty list, a name in use), or null. */
export function phasePatchProblem(graph: GraphDocument, index: number, patch: Partial<TrainingPhase>): string | null {
  const phases = graph.training.phases ?? [];
  if (patch.losses !== undefined && patch.losses.length === 0) return 'a phase minimises at least one loss; tick another loss first, or remove the phase';
  if (patch.updates !== undefined && patch.updates.length === 0) return 'a phase updates at least one node; tick another node first, or remove the phase';
  if (patch.name !== undefined) {
    const name = patch.name.trim();
    if (name.length === 0) return 'a phase needs a name';
    if (name.length > PHASE_LIMITS.nameLength) return `a phase name has at most ${PHASE_LIMITS.nameLength} characters`;
    if (phases.some((p, i) => i !== index && p.name === name)) return `another phase is named "${name}"; phase names are unique`;
  }
  return null;
}

/** Changes phase `index` (refused patches throw with the reason: check `phasePatchProblem` first). */
export function setPhase(graph: GraphDocument, index: number, patch: Partial<TrainingPhase>): GraphDocument {
  const phases = graph.training.phases;
  const phase = phases?.[index];
  if (!phases || !phase) return graph;
  const problem = phasePatchProblem(graph, index, patch);
  if (problem) throw new Error(problem);
  const next = { ...phase, ...patch, ...(patch.name !== undefined ? { name: patch.name.trim() } : {}) };
  if (JSON.stringify(next) === JSON.stringify(phase)) return graph;
  return { ...graph, training: { ...graph.training, phases: phases.map((p, i) => (i === index ? next : p)) } };
}
