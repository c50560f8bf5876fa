/**
 * The graph canvas: React Flow over the editor store. The document is the source of truth; React
 * Flow gets nodes and edges derived from it (object identities kept while unchanged, so a drag
 * re-renders only what moves). In-drag positions live here and reach the document on drag stop,
 * one undo entry per drag. Connections are checked by shape inference while they are dragged.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import {
  ControlButton,
  Controls,
  MiniMap,
  ReactFlow,
  useConnection,
  useReactFlow,
  useStore as useFlowStore,
  useStoreApi,
  type Connection,
  type Edge,
  type EdgeChange,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeChange,
  type XYPosition,
} from '@xyflow/react';
import { getDecl } from '../../core/catalogue/registry';
import { type GraphAnalysis, type GraphDocument, type NodeAnalysis } from '../../core/graph';
import { moveNodes } from '../../core/graph/edit';
import { nodeDisplayName } from '../../core/graph/summary';
import { formatShape } from '../../core/shapes/shape';
import { labelVariants } from '../editor/edge-label';
import { addLayer } from '../editor/actions';
import { setCanvasMoving } from '../editor/interaction';
import { analysisOf, documentAnalyzer } from '../state/analysis';
import { editorStore, useEditor } from '../state/editor';
import type { EdgeOverlayStyle, NodeHighlight, Selection } from '../state/store';
import { toggleLayout, useLayout } from '../state/layout';
import { useUi } from '../state/ui';
import { addWired, applyWire, planWire, type LayerChoice } from '../editor/wiring';
import { LayerSearch } from './LayerSearch';
import { cardParamRows, NodeCard, type NodeCardData, type NodeCardNode } from './NodeCard';
import { ShapeEdge, type ShapeEdgeType } from './ShapeEdge';
import { SubmodelFrames } from './SubmodelFrames';

export const LAYER_DRAG_TYPE = 'application/x-netwright-layer';

// Module level: React Flow re-mounts every node when this object changes identity.
const nodeTypes = { layer: NodeCard };
const edgeTypes = { shape: ShapeEdge };

const CATEGORY_COLOURS: Readonly<Record<string, string>> = {
  Inputs: '#4cc38a',
  Core: '#7aa7ff',
  Merge: '#a78bfa',
  Convolution: '#38bdf8',
  Pooling: '#2dd4bf',
  Normalization: '#94a3b8',
  Recurrent: '#f472b6',
  Attention: '#fbbf24',
  Generative: '#c084fc',
  Losses: '#f0a35e',
};

export function categoryColour(category: string): string {
  return CATEGORY_COLOURS[category] ?? '#7aa7ff';
}

interface Cached<T> {
  deps: readonly unknown[];
  value: T;
}

function same(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

function cached<T>(cache: Map<string, Cached<T>>, id: string, deps: readonly unknown[], make: () => T): T {
  const hit = cache.get(id);
  if (hit && same(hit.deps, deps)) return hit.value;
  const value = make();
  cache.set(id, { deps, value });
  return value;
}

function cardData(result: NodeAnalysis | undefined, node: GraphDocument['nodes'][number], highlight: NodeHighlight['kind'] | null): NodeCardData {
  const decl = getDecl(node.type);
  const issues = result?.issues ?? [];
  // The card already names the node: drop the analyzer's "name (Type): " prefix, and a repeated type.
  const prefix = `${node.name ? `${node.name} (${node.type})` : node.type}: `;
  const short = (issue: { message: string; detail?: string }) => {
    if (issue.detail !== undefined) return issue.detail.startsWith(`${node.type} `) ? issue.detail.slice(node.type.length + 1) : issue.detail;
    const message = issue.message;
    const rest = message.startsWith(prefix) ? message.slice(prefix.length) : message;
    return rest.startsWith(`${node.type} `) ? rest.slice(node.type.length + 1) : rest;
  };
  return {
    type: node.type,
    name: nodeDisplayName(node),
    category: decl?.category ?? 'Core',
    kind: decl ? decl.kind : 'unknown',
    cardParams: decl ? cardParamRows(decl.params, node.params) : [],
    inputs: result?.inputPorts ?? [],
    outputs: result?.outputPorts ?? [],
    outputShapes: result?.outputs ?? {},
    params: (result?.params.trainable ?? 0) + (result?.params.nonTrainable ?? 0),
    errors: issues.filter((i) => i.severity === 'error').map((i) => short(i)),
    warnings: issues.filter((i) => i.severity === 'warning').map((i) => short(i)),
    highlight,
  };
}

function toCandidate(connection: Connection | Edge) {
  return {
    source: { node: connection.source, port: connection.sourceHandle ?? 'out' },
    target: { node: connection.target, port: connection.targetHandle ?? 'in' },
  };
}

/** Why the connection being dragged would be refused, or null when it is fine / not over a port. */
function refusalReason(from: { nodeId: string; id?: string | null; type: string } | null, to: { nodeId: string; id?: string | null; type: string } | null): string | null {
  if (!from || !to) return null;
  if (from.type === to.type) return from.type === 'source' ? 'connect an output to an input' : 'connect an input to an output';
  const [source, target] = from.type === 'source' ? [from, to] : [to, from];
  const result = planWire(documentAnalyzer(), editorStore.getState().document, {
    source: { node: source.nodeId, port: source.id ?? 'out' },
    target: { node: target.nodeId, port: target.id ?? 'in' },
  });
  // "Dense: Dense needs ..." reads as "Dense needs ...".
  return result.ok ? null : result.reason.replace(/^([A-Za-z0-9_]+): \1 /, '$1 ');
}

/** The reason a wire is refused, shown beside the cursor while it is dragged. */
function ConnectionHint() {
  const connection = useConnection();
  const flow = useReactFlow();
  if (!connection.inProgress || !connection.toHandle || connection.isValid !== false) return null;
  const reason = refusalReason(connection.fromHandle, connection.toHandle);
  if (!reason) return null;
  // Screen coordinates, above the minimap and controls (the viewport layer sits below them).
  const at = flow.flowToScreenPosition(connection.to);
  return (
    <div className="connection-hint" role="status" data-testid="connection-hint" style={{ left: at.x + 14, top: at.y + 14 }}>
      {reason}
    </div>
  );
}

function applySelectionChanges(current: Selection, changes: readonly { id: string; selected: boolean }[], kind: 'nodes' | 'edges'): Selection {
  const ids = new Set(current[kind]);
  for (const c of changes) {
    if (c.selected) ids.add(c.id);
    else ids.delete(c.id);
  }
  return { ...current, [kind]: [...ids] };
}

function useFlowNodes(document: GraphDocument, analysis: GraphAnalysis, selected: ReadonlySet<string>, highlight: NodeHighlight | null, drag: Readonly<Record<string, XYPosition>> | null, measured: ReadonlyMap<string, { width: number; height: number }>, measureVersion: number): NodeCardNode[] {
  const dataCache = useRef(new Map<string, Cached<NodeCardData>>());
  const nodeCache = useRef(new Map<string, Cached<NodeCardNode>>());
  return useMemo(() => {
    void measureVersion; // `measured` is a mutable map; the version says it changed
    const live = new Set<string>();
    const out = document.nodes.map((node) => {
      live.add(node.id);
      const result = analysis.nodes.get(node.id);
      const issueKey = result?.issues.map((i) => `${i.severity}:${i.message}`).join('\n') ?? '';
      const hl = highlight?.nodeId === node.id ? highlight.kind : null;
      const data = cached(dataCache.current, node.id, [node, result?.outputs, result?.inputPorts, result?.outputPorts, result?.params, issueKey, hl], () => cardData(result, node, hl));
      const position = drag?.[node.id] ?? node.position;
      const isSelected = selected.has(node.id);
      const size = measured.get(node.id);
      return cached(nodeCache.current, node.id, [data, position.x, position.y, isSelected, size], () => ({
        id: node.id,
        type: 'layer' as const,
        position: { x: position.x, y: position.y },
        data,
        selected: isSelected,
        ...(size ? { measured: size } : {}),
      }));
    });
    for (const id of [...nodeCache.current.keys()]) if (!live.has(id)) {
      nodeCache.current.delete(id);
      dataCache.current.delete(id);
    }
    return out;
  }, [document, analysis, selected, highlight, drag, measured, measureVersion]);
}

function useFlowEdges(document: GraphDocument, analysis: GraphAnalysis, selected: ReadonlySet<string>, overlay: Readonly<Record<string, EdgeOverlayStyle>> | null): ShapeEdgeType[] {
  const edgeCache = useRef(new Map<string, Cached<ShapeEdgeType>>());
  return useMemo(() => {
    const live = new Set<string>();
    const out = document.edges.map((edge) => {
      live.add(edge.id);
      const shape = analysis.edgeShapes.get(edge.id) ?? null;
      const labels = shape ? labelVariants(shape) : ['?'];
      const label = labels.join('|');
      const full = shape ? formatShape(shape) : 'shape unknown';
      const isSelected = selected.has(edge.id);
      const style = overlay?.[edge.id] ?? null;
      return cached(edgeCache.current, edge.id, [edge, label, full, isSelected, style], () => ({
        id: edge.id,
        type: 'shape' as const,
        source: edge.source.node,
        sourceHandle: edge.source.port,
        target: edge.target.node,
        targetHandle: edge.target.port,
        data: { labels, full },
        selected: isSelected,
        className: shape ? 'shape-edge' : 'shape-edge unknown',
        ...(style ? { style: { strokeWidth: style.width, stroke: style.color }, ...(style.label ? { ariaLabel: style.label } : {}) } : {}),
      }));
    });
    for (const id of [...edgeCache.current.keys()]) if (!live.has(id)) edgeCache.current.delete(id);
    return out;
  }, [document, analysis, selected, overlay]);
}

const DOT_GAP = 20;
const DOT_SIZE = 1.2;

/**
 * The dotted canvas background, as a composited layer that a pan only translates (React Flow's
 * <Background> moves an SVG pattern instead, so every pan frame repaints and rasterises the whole
 * canvas area). Follows the viewport outside React: no re-render per frame.
 */
function DotBackground() {
  const ref = useRef<HTMLDivElement>(null);
  const store = useStoreApi();
  useEffect(() => {
    let zoom = NaN;
    const apply = ([x, y, z]: readonly [number, number, number]) => {
      const el = ref.current;
      if (!el) return;
      const gap = DOT_GAP * z || 1;
      if (z !== zoom) {
        zoom = z;
        el.style.setProperty('--dot-gap', `${gap}px`);
        el.style.setProperty('--dot-r', `${(DOT_SIZE * z) / 2}px`);
      }
      // Dot centres where React Flow's pattern put them, x ≡ tx - gap/2 + r (mod gap); here each
      // dot is at its tile's centre and the layer starts one gap before the pane.
      const r = (DOT_SIZE * z) / 2;
      const mod = (v: number) => ((v % gap) + gap) % gap;
      el.style.transform = `translate3d(${mod(x + r)}px, ${mod(y + r)}px, 0)`;
    };
    apply(store.getState().transform);
    return store.subscribe((s, prev) => {
      if (s.transform !== prev.transform) apply(s.transform);
    });
  }, [store]);
  return <div ref={ref} className="canvas-dots" aria-hidden="true" data-testid="canvas-dots" />;
}

/** Node sizes as measured by React Flow (for auto-layout); filled by the canvas. */
export const measuredSizes = new Map<string, { width: number; height: number }>();

export function Canvas() {
  const document = useEditor((s) => s.document);
  const selection = useEditor((s) => s.selection);
  const highlight = useEditor((s) => s.highlight);
  const overlay = useEditor((s) => s.edgeOverlay);
  const fitViewRequest = useUi((s) => s.fitViewRequest);
  const minimap = useLayout((s) => s.minimap);
  const analysis = analysisOf(document);
  const flow = useReactFlow();
  const [drag, setDrag] = useState<Record<string, XYPosition> | null>(null);
  const [measureVersion, setMeasureVersion] = useState(0);

  const selectedNodes = useMemo(() => new Set(selection.nodes), [selection.nodes]);
  const selectedEdges = useMemo(() => new Set(selection.edges), [selection.edges]);
  const nodes = useFlowNodes(document, analysis, selectedNodes, highlight, drag, measuredSizes, measureVersion);
  const edges = useFlowEdges(document, analysis, selectedEdges, overlay);

  useEffect(() => {
    if (fitViewRequest === 0) return;
    // Wait for the new nodes to be measured before fitting them.
    const timer = setTimeout(() => void flow.fitView({ padding: 0.12, maxZoom: 1.2 }), 80);
    return () => clearTimeout(timer);
  }, [fitViewRequest, flow]);

  const onNodesChange = useCallback((changes: NodeChange<NodeCardNode>[]) => {
    const selects: { id: string; selected: boolean }[] = [];
    let dragged: Record<string, XYPosition> | null = null;
    let resized = false;
    for (const change of changes) {
      if (change.type === 'select') selects.push(change);
      else if (change.type === 'position' && change.dragging && change.position) {
        dragged = { ...(dragged ?? {}), [change.id]: change.position };
      } else if (change.type === 'dimensions' && change.dimensions) {
        const old = measuredSizes.get(change.id);
        if (!old || old.width !== change.dimensions.width || old.height !== change.dimensions.height) {
          measuredSizes.set(change.id, change.dimensions);
          resized = true;
        }
      }
    }
    if (selects.length > 0) {
      const store = editorStore.getState();
      store.select(applySelectionChanges(store.selection, selects, 'nodes'));
    }
    if (dragged) {
      const moved = dragged;
      setDrag((d) => ({ ...(d ?? {}), ...moved }));
    }
    if (resized) setMeasureVersion((v) => v + 1);
  }, []);

  const onEdgesChange = useCallback((changes: EdgeChange<ShapeEdgeType>[]) => {
    const selects = changes.filter((c): c is EdgeChange<ShapeEdgeType> & { type: 'select' } => c.type === 'select');
    if (selects.length === 0) return;
    const store = editorStore.getState();
    store.select(applySelectionChanges(store.selection, selects, 'edges'));
  }, []);

  const onNodeDragStop = useCallback((_event: unknown, _node: NodeCardNode, dragged: NodeCardNode[]) => {
    const positions = Object.fromEntries(dragged.map((n) => [n.id, n.position]));
    editorStore.getState().edit((g) => moveNodes(g, positions));
    setDrag(null);
  }, []);

  // An input that has a wire takes a new one in its place (planWire), in one undo step.
  const isValidConnection: IsValidConnection<ShapeEdgeType> = useCallback(
    (connection) => planWire(documentAnalyzer(), editorStore.getState().document, toCandidate(connection)).ok,
    [],
  );

  const onConnect = useCallback((connection: Connection) => {
    const candidate = toCandidate(connection);
    const store = editorStore.getState();
    const plan = planWire(documentAnalyzer(), store.document, candidate);
    if (!plan.ok || plan.same) return;
    store.edit((g) => applyWire(g, plan, candidate));
  }, []);

  const [refused, setRefused] = useState<{ x: number; y: number; reason: string } | null>(null);
  const [wireSearch, setWireSearch] = useState<{ x: number; y: number; from: { node: string; port: string } } | null>(null);
  useEffect(() => {
    if (!refused) return;
    const timer = setTimeout(() => setRefused(null), 5000);
    return () => clearTimeout(timer);
  }, [refused]);

  const onConnectEnd = useCallback((event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    const point = 'changedTouches' in event ? event.changedTouches[0] : event;
    if (!point) return;
    if (state.toHandle) {
      if (state.isValid !== false) return;
      // Said where the wire was dropped, as while dragging.
      const reason = refusalReason(state.fromHandle, state.toHandle);
      if (reason) setRefused({ x: point.clientX, y: point.clientY, reason: `Connection refused: ${reason}` });
      return;
    }
    // An output dropped on empty canvas: offer the layers that accept it there.
    const from = state.fromHandle;
    if (!from || from.type !== 'source' || state.toNode) return;
    setWireSearch({ x: point.clientX, y: point.clientY, from: { node: from.nodeId, port: from.id ?? 'out' } });
  }, []);

  const placeWired = useCallback(
    (choice: LayerChoice) => {
      const search = wireSearch;
      if (!search) return;
      setWireSearch(null);
      const at = flow.screenToFlowPosition({ x: search.x, y: search.y });
      let id: string | null = null;
      editorStore.getState().edit((g) => {
        const added = addWired(g, choice, { x: at.x, y: at.y - 20 }, search.from);
        id = added.id;
        return added.graph;
      });
      if (id) editorStore.getState().select({ nodes: [id], edges: [] });
    },
    [wireSearch, flow],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(LAYER_DRAG_TYPE)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(LAYER_DRAG_TYPE);
      if (!type) return;
      event.preventDefault();
      event.stopPropagation();
      const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      // Drop where the card's top-left corner is under the cursor, a little up and left.
      addLayer(type, { x: at.x - 20, y: at.y - 16 });
    },
    [flow],
  );

  // While the view moves, the viewport is its own compositor layer: a pan only moves pixels
  // instead of repainting every card (removed at the end, so zoomed text is re-rastered crisp).
  const mainRef = useRef<HTMLElement>(null);
  // The training views hold their updates back while the view moves (editor/interaction).
  const onMoveStart = useCallback(() => {
    mainRef.current?.classList.add('moving');
    setCanvasMoving(true);
  }, []);
  const onMoveEnd = useCallback(() => {
    mainRef.current?.classList.remove('moving');
    setCanvasMoving(false);
  }, []);
  useEffect(() => () => setCanvasMoving(false), []);

  const empty = document.nodes.length === 0;
  // Big graphs: no shadows (software rasterisers repaint every card on each pan frame).
  const large = document.nodes.length > 150;
  // Far out, shape labels are unreadable: hide them (and save their paint on every frame).
  const zoomedOut = useFlowStore((s) => s.transform[2] < 0.45);
  return (
    <main ref={mainRef} className={`canvas${large ? ' large-graph' : ''}${zoomedOut ? ' zoomed-out' : ''}`} aria-label="Graph canvas" data-testid="canvas" onDragOver={onDragOver} onDrop={onDrop}>
      <ReactFlow<NodeCardNode, ShapeEdgeType>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onNodeDragStop={onNodeDragStop}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onMoveStart={onMoveStart}
        onMoveEnd={onMoveEnd}
        isValidConnection={isValidConnection}
        deleteKeyCode={null}
        disableKeyboardA11y
        multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
        selectionKeyCode="Shift"
        onlyRenderVisibleElements={large}
        minZoom={0.1}
        maxZoom={2.5}
        colorMode="dark"
        defaultViewport={{ x: 0, y: 0, zoom: 1 }}
      >
        <DotBackground />
        <SubmodelFrames />
        <Controls showInteractive={false}>
          <ControlButton onClick={() => toggleLayout('minimap')} aria-label={minimap ? 'Hide the minimap' : 'Show the minimap'} title={minimap ? 'Hide the minimap' : 'Show the minimap'} data-testid="toggle-minimap">
            <svg viewBox="0 0 16 16" aria-hidden="true">
              <rect x="1.5" y="3.5" width="13" height="9" rx="1.5" fill="none" stroke="currentColor" />
              <rect x="8" y="7" width="5" height="4" fill="currentColor" opacity={minimap ? 1 : 0.35} />
            </svg>
          </ControlButton>
        </Controls>
        {large || !minimap ? null : <MiniMap pannable zoomable style={{ width: 120, height: 80 }} nodeColor={(n) => categoryColour((n.data as NodeCardData).category)} maskColor="rgba(14,16,21,0.7)" />}
        <ConnectionHint />
      </ReactFlow>
      {refused ? (
        <div className="connection-hint" role="alert" data-testid="connection-refused" style={{ left: refused.x + 14, top: refused.y + 14 }}>
          {refused.reason}
        </div>
      ) : null}
      {wireSearch ? <LayerSearch at={wireSearch} from={wireSearch.from} onChoose={placeWired} onClose={() => setWireSearch(null)} /> : null}
      {empty ? (
        <div className="canvas-hint" role="note">
          <svg className="canvas-hint-icon" viewBox="0 0 48 48" aria-hidden="true">
            <rect x="4" y="8" width="14" height="10" rx="3" />
            <rect x="4" y="30" width="14" height="10" rx="3" />
            <rect x="30" y="19" width="14" height="10" rx="3" />
            <path d="M18 13c6 0 6 11 12 11M18 35c6 0 6-11 12-11" />
          </svg>
          <p className="canvas-hint-title">Start a network</p>
          <p>Drag a layer from the palette, or open a template</p>
        </div>
      ) : null}
    </main>
  );
}
