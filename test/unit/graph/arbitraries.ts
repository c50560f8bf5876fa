/** fast-check generators of graph documents drawn from the live catalogue. */
import fc from 'fast-check';
import { portsOf, type NodeDecl } from '../../../core/catalogue/decl';
import type { ParamSpec } from '../../../core/catalogue/params';
import { allDecls } from '../../../core/catalogue/registry';
import { DEFAULT_TRAINING, GRAPH_FORMAT, GRAPH_VERSION, type GraphDocument, type GraphEdge, type GraphNode } from '../../../core/graph';

export function paramValueArb(spec: ParamSpec): fc.Arbitrary<unknown> {
  switch (spec.kind) {
    case 'int':
      return fc.integer({ min: spec.min ?? -1000, max: Math.min(spec.max ?? 1000, (spec.min ?? 0) + 1000) });
    case 'float':
      return fc.double({
        min: spec.min ?? -1000,
        max: spec.max ?? 1000,
        minExcluded: spec.exclusiveMin ?? false,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'bool':
      return fc.boolean();
    case 'enum':
      return fc.constantFrom(...spec.options);
    case 'ints': {
      const item = fc.integer({ min: spec.min ?? -50, max: Math.min(spec.max ?? 50, (spec.min ?? 0) + 50) });
      return fc.array(spec.allowNull ? fc.option(item, { nil: null }) : item, {
        minLength: spec.minLength,
        maxLength: spec.maxLength,
      });
    }
    case 'string':
      return fc.string({ maxLength: Math.min(spec.maxLength, 12) });
  }
}

export function paramsArb(decl: NodeDecl): fc.Arbitrary<Record<string, unknown>> {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, spec] of Object.entries(decl.params)) shape[key] = paramValueArb(spec);
  return fc.record(shape).filter((p) => (decl.validateParams?.(p as never) ?? []).length === 0);
}

const idArb = fc.stringMatching(/^[A-Za-z0-9_]{1,10}$/);

/** A structurally valid document: known types, valid params, wires between declared ports. */
export const graphArb: fc.Arbitrary<GraphDocument> = fc
  .array(
    fc.tuple(
      fc.constantFrom(...allDecls()).chain((decl) => paramsArb(decl).map((params) => ({ decl, params }))),
      fc.option(fc.string({ maxLength: 16 }), { nil: undefined }),
      fc.double({ min: -5000, max: 5000, noNaN: true }),
      fc.double({ min: -5000, max: 5000, noNaN: true }),
    ),
    { maxLength: 8 },
  )
  .chain((specs) => {
    const nodes: GraphNode[] = specs.map(([{ decl, params }, name, x, y], i) => ({
      id: `n${i}`,
      type: decl.type,
      ...(name !== undefined ? { name } : {}),
      params: params as GraphNode['params'],
      position: { x, y },
    }));
    const outs = nodes.flatMap((n, i) => {
      const decl = (specs[i] as (typeof specs)[number])[0].decl;
      return decl.kind === 'loss' ? [] : portsOf(decl.outputs, n.params as never).map((p) => ({ node: n.id, port: p.name }));
    });
    const ins = nodes.flatMap((n, i) => {
      const decl = (specs[i] as (typeof specs)[number])[0].decl;
      return portsOf(decl.inputs, n.params as never).map((p) => ({ node: n.id, port: p.name }));
    });
    const edgeArb: fc.Arbitrary<GraphEdge[]> =
      outs.length === 0 || ins.length === 0
        ? fc.constant([])
        : fc
            .array(fc.tuple(fc.constantFrom(...outs), fc.constantFrom(...ins)), { maxLength: 10 })
            .map((pairs) => pairs.map(([source, target], i) => ({ id: `e${i}`, source, target })));
    return fc.tuple(edgeArb, fc.string({ maxLength: 20 }), idArb).map(([edges, name]) => ({
      format: GRAPH_FORMAT,
      version: GRAPH_VERSION,
      metadata: { name, description: '' },
      nodes,
      edges,
      training: { ...structuredClone(DEFAULT_TRAINING), seed: 3 },
      runs: [],
    }));
  });
