/**
 * Shape inference for the open document, computed once per document version and shared by the
 * canvas, inspector and summary. One analyzer (with its per-node cache) serves the app, so an
 * edit or a trial connection re-evaluates only the nodes it touches.
 */
import { createAnalyzer, type GraphAnalysis, type GraphAnalyzer, type GraphDocument } from '../../core/graph';
import { useEditor } from './editor';

const analyzer: GraphAnalyzer = createAnalyzer();
let last: { document: GraphDocument; analysis: GraphAnalysis } | null = null;

export function documentAnalyzer(): GraphAnalyzer {
  return analyzer;
}

export function analysisOf(document: GraphDocument): GraphAnalysis {
  if (last?.document !== document) last = { document, analysis: analyzer.analyze(document) };
  return last.analysis;
}

/** The analysis of the current document (re-renders on each edit). */
export function useAnalysis(): GraphAnalysis {
  return analysisOf(useEditor((s) => s.document));
}
