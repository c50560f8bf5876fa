/**
 * The training phases in the setup form (a GAN's discriminator and generator steps): per phase its
 * name, the loss nodes it minimises, the nodes whose weights it updates, and its settings from
 * their declaration (core/graph/training-params.ts PHASE_PARAMS) through the same SetupField as
 * the rest of the form. Every change is one edit (one undo step); a refused one is shown at the
 * field with the reason and leaves the document as it was.
 */
import { useState } from 'react';
import { PHASE_PARAMS, addPhase, nodeDisplayName, phasePatchProblem, phaseUpdatableNodes, removePhase, setPhase, type GraphDocument, type PhaseParamKey, type TrainingPhase } from '../../core/graph';
import { FieldError } from '../components/FieldParts';
import { analysisOf } from '../state/analysis';
import { editorStore } from '../state/editor';
import { SetupField } from './SetupField';

/** Phase settings in the order shown (momentum only for the momentum optimizer). */
const PHASE_ORDER: readonly PhaseParamKey[] = ['steps', 'optimizer', 'learningRate', 'momentum', 'beta1', 'clipWeights'];

/** Applies an edit of the phases; returns the reason when the edit is refused. */
function editPhases(edit: (g: GraphDocument) => GraphDocument): string | null {
  try {
    editorStore.getState().edit(edit);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function NodeChecklist({ legend, ids, chosen, graph, testId, onChange }: { legend: string; ids: readonly string[]; chosen: readonly string[]; graph: GraphDocument; testId: string; onChange(next: string[]): void }) {
  const name = (id: string) => {
    const node = graph.nodes.find((n) => n.id === id);
    return node ? nodeDisplayName(node) : id;
  };
  // Ids the phase names that are not (or no longer) offered: shown so they can be unticked.
  const shown = [...ids, ...chosen.filter((id) => !ids.includes(id))];
  return (
    <div className="field wide phase-nodes" data-testid={testId}>
      <span className="phase-nodes-legend">{legend}</span>
      <div className="phase-node-list">
        {shown.map((id) => (
          <label key={id} className={ids.includes(id) ? undefined : 'missing'} title={ids.includes(id) ? undefined : `${id} is not a node this phase can use`}>
            <input type="checkbox" checked={chosen.includes(id)} onChange={(e) => onChange(e.target.checked ? [...chosen, id] : chosen.filter((c) => c !== id))} data-testid={`${testId}-${id}`} />
            {name(id)}
          </label>
        ))}
      </div>
    </div>
  );
}

function PhaseCard({ graph, phase, index, losses, updatable, busy }: { graph: GraphDocument; phase: TrainingPhase; index: number; losses: string[]; updatable: string[]; busy: boolean }) {
  const [refusal, setRefusal] = useState<{ message: string; of: GraphDocument } | null>(null);
  const [nameDraft, setNameDraft] = useState<{ text: string; of: GraphDocument } | null>(null);
  const shownRefusal = refusal?.of === graph ? refusal.message : null;
  const patch = (p: Partial<TrainingPhase>) => {
    const problem = phasePatchProblem(graph, index, p) ?? editPhases((g) => setPhase(g, index, p));
    setRefusal(problem ? { message: problem, of: graph } : null);
    return problem === null;
  };
  const nameText = nameDraft?.of === graph ? nameDraft.text : phase.name;
  const commitName = () => {
    if (nameDraft?.of === graph && nameDraft.text !== phase.name && !patch({ name: nameDraft.text })) return;
    setNameDraft(null);
  };
  const prefix = `phase-${index}`;
  return (
    <fieldset className="setup phase" data-testid={prefix} disabled={busy}>
      <legend>
        Phase {index + 1}
        <button type="button" className="phase-remove" data-testid={`${prefix}-remove`} title="Remove this phase (removing the last one trains every weight on every loss)" onClick={() => setRefusal(toRefusal(editPhases((g) => removePhase(g, index)), graph))}>
          Remove
        </button>
      </legend>
      <div className="field" title="The phase's name, shown beside its loss while training.">
        <label htmlFor={`${prefix}-name`}>Name</label>
        <input
          id={`${prefix}-name`}
          data-testid={`${prefix}-name`}
          value={nameText}
          spellCheck={false}
          onChange={(e) => setNameDraft({ text: e.target.value, of: graph })}
          onBlur={commitName}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commitName();
            if (e.key === 'Escape') setNameDraft(null);
          }}
        />
      </div>
      <NodeChecklist legend="Minimises" ids={losses} chosen={phase.losses} graph={graph} testId={`${prefix}-losses`} onChange={(next) => patch({ losses: next })} />
      <NodeChecklist legend="Updates the weights of" ids={updatable} chosen={phase.updates} graph={graph} testId={`${prefix}-updates`} onChange={(next) => patch({ updates: next })} />
      {PHASE_ORDER.filter((key) => key !== 'momentum' || phase.optimizer === 'momentum').map((key) => (
        <SetupField key={key} id={`${prefix}-${key}`} spec={PHASE_PARAMS[key]} value={phase[key]} document={graph} onCommit={(value) => patch({ [key]: value } as Partial<TrainingPhase>)} />
      ))}
      {shownRefusal ? (
        <div className="field-error wide" role="alert" data-testid={`${prefix}-refusal`}>
          {shownRefusal}
        </div>
      ) : null}
    </fieldset>
  );
}

function toRefusal(message: string | null, graph: GraphDocument): { message: string; of: GraphDocument } | null {
  return message ? { message, of: graph } : null;
}

export function PhasesForm({ graph, busy }: { graph: GraphDocument; busy: boolean }) {
  const [refusal, setRefusal] = useState<{ message: string; of: GraphDocument } | null>(null);
  const analysis = analysisOf(graph);
  const losses = graph.nodes.filter((n) => analysis.nodes.get(n.id)?.decl?.kind === 'loss').map((n) => n.id);
  const updatable = phaseUpdatableNodes(graph, analysis.nodes);
  const phases = graph.training.phases ?? [];
  const add = () => setRefusal(toRefusal(editPhases((g) => addPhase(g, analysisOf(g).nodes)), graph));
  return (
    <div className="phases" data-testid="training-phases">
      <fieldset className="setup" disabled={busy}>
        <legend>Phases</legend>
        <p className="muted phases-note">
          {phases.length === 0
            ? 'One phase: every loss, every weight, the optimizer above. Add phases to alternate updates (a GAN: the discriminator, then the generator), each with its own losses, weights and optimizer.'
            : 'Cycled batch by batch: each phase trains its steps, then the next takes over; the weights a phase does not update stay exactly as they are.'}
        </p>
        <button type="button" data-testid="phase-add" onClick={add}>
          {phases.length === 0 ? 'Split into phases' : 'Add phase'}
        </button>
        <FieldError message={refusal?.of === graph ? refusal.message : null} />
      </fieldset>
      {phases.map((phase, i) => (
        <PhaseCard key={i} graph={graph} phase={phase} index={i} losses={losses} updatable={updatable} busy={busy} />
      ))}
    </div>
  );
}
