/**
 * Reading graph files: lenient where it can repair (defaults fill missing parameters, older
 * versions migrate), precise where it cannot (every error names the JSON path). Never throws.
 */
import type { z } from 'zod';
import { getDecl } from '../catalogue/registry';
import { paramsObjectSchema } from '../catalogue/params';
import { GRAPH_FORMAT, GRAPH_VERSION, LIMITS, graphSchema, type GraphDocument, type GraphNode } from './document';
import { checkTextBudget } from './json-budget';
import { formatPath, KEY_CHARS, shortenText, type DocumentError } from './json-path';
import { migrate, type Migration, MIGRATIONS } from './migrations';

export type { DocumentError } from './json-path';

// Shown by the CLI and the app with the errors parsing reports.
export { shortenText } from './json-path';

export type ParseResult = { ok: true; graph: GraphDocument } | { ok: false; errors: DocumentError[] };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_ERRORS = 50;

function isWeightData(path: readonly PropertyKey[]): boolean {
  return path.length === 4 && path[0] === 'runs' && typeof path[1] === 'number' && path[2] === 'weights' && path[3] === 'data';
}

interface ScanItem {
  value: unknown;
  /** The key or index leading here from `parent`; paths are built only for errors. */
  key: PropertyKey | null;
  parent: ScanItem | null;
  depth: number;
}

function pathOfItem(item: ScanItem): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let at: ScanItem | null = item; at && at.key !== null; at = at.parent) path.push(at.key);
  return path.reverse();
}

function isWeightItem(item: ScanItem): boolean {
  return item.depth === 4 && isWeightData(pathOfItem(item));
}

/** Structure checks zod cannot do safely: depth, prototype keys, key and string sizes, value count. */
function scanHostile(root: unknown, errors: DocumentError[]): void {
  const stack: ScanItem[] = [{ value: root, key: null, parent: null, depth: 0 }];
  let values = 0;
  while (stack.length > 0 && errors.length < MAX_ERRORS) {
    const item = stack.pop() as ScanItem;
    const { value } = item;
    if (++values > LIMITS.jsonValues) {
      errors.push({ path: formatPath(pathOfItem(item)), message: `more than ${LIMITS.jsonValues.toLocaleString('en-US')} values: too many for a graph file` });
      return;
    }
    if (typeof value === 'string') {
      // A kept run's weights are one long base64 string; its schema bounds it.
      if (value.length > LIMITS.stringLength && !isWeightItem(item)) {
        errors.push({ path: formatPath(pathOfItem(item)), message: `string of ${value.length} characters is longer than the limit of ${LIMITS.stringLength}` });
      }
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (item.depth >= LIMITS.depth) {
      errors.push({ path: formatPath(pathOfItem(item)), message: `nested deeper than ${LIMITS.depth} levels` });
      continue;
    }
    if (Array.isArray(value)) {
      // Refused by its length alone, before visiting millions of elements.
      if (value.length > LIMITS.arrayItems) {
        errors.push({ path: formatPath(pathOfItem(item)), message: `an array of ${value.length.toLocaleString('en-US')} elements: longer than any graph file has (${LIMITS.arrayItems.toLocaleString('en-US')})` });
        return;
      }
      if (values + value.length > LIMITS.jsonValues) {
        errors.push({ path: formatPath(pathOfItem(item)), message: `more than ${LIMITS.jsonValues.toLocaleString('en-US')} values: too many for a graph file` });
        return;
      }
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key: i, parent: item, depth: item.depth + 1 });
      continue;
    }
    let members = 0;
    for (const key in value) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      if (++members > LIMITS.objectKeys || values + members > LIMITS.jsonValues) {
        errors.push({
          path: formatPath(pathOfItem(item)),
          message: members > LIMITS.objectKeys
            ? `an object with more than ${LIMITS.objectKeys.toLocaleString('en-US')} keys: more than any graph file has`
            : `more than ${LIMITS.jsonValues.toLocaleString('en-US')} values: too many for a graph file`,
        });
        return;
      }
      if (FORBIDDEN_KEYS.has(key)) {
        errors.push({ path: formatPath([...pathOfItem(item), key]), message: `the key "${key}" is not allowed` });
        continue;
      }
      if (key.length > KEY_CHARS) {
        errors.push({ path: formatPath([...pathOfItem(item), key]), message: `a key of ${key.length.toLocaleString('en-US')} characters is longer than the limit of ${KEY_CHARS}` });
        continue;
      }
      stack.push({ value: (value as Record<string, unknown>)[key], key, parent: item, depth: item.depth + 1 });
    }
  }
}

function zodErrors(error: z.ZodError, prefix: PropertyKey[] = []): DocumentError[] {
  return error.issues.slice(0, MAX_ERRORS).map((issue) => {
    // An unknown key is named in the path (shortened), not echoed whole in the message.
    if (issue.code === 'unrecognized_keys') {
      const [first] = issue.keys;
      const more = issue.keys.length > 1 ? ` (and ${issue.keys.length - 1} more)` : '';
      return { path: formatPath([...prefix, ...issue.path, ...(first === undefined ? [] : [first])]), message: `unknown key${more}` };
    }
    return { path: formatPath([...prefix, ...issue.path]), message: shortenText(issue.message) };
  });
}

function checkNodes(nodes: GraphNode[], errors: DocumentError[], at: PropertyKey[] = []): GraphNode[] {
  const seen = new Map<string, number>();
  return nodes.map((node, i) => {
    const first = seen.get(node.id);
    if (first !== undefined) {
      errors.push({ path: formatPath([...at, 'nodes', i, 'id']), message: `duplicate node id "${node.id}" (also at nodes[${first}])` });
    } else seen.set(node.id, i);
    const decl = getDecl(node.type);
    if (!decl) {
      errors.push({ path: formatPath([...at, 'nodes', i, 'type']), message: `unknown layer type "${node.type}"` });
      return node;
    }
    const current = decl.paramsVersion ?? 1;
    const written = node.paramsVersion ?? 1;
    if (written > current) {
      errors.push({ path: formatPath([...at, 'nodes', i, 'paramsVersion']), message: `${node.type} parameters of version ${written} were written by a newer Netwright (this one reads up to ${current}); update the app` });
      return node;
    }
    let params: Readonly<Record<string, unknown>> = node.params;
    if (written < current) {
      try {
        if (!decl.migrate) throw new Error(`${node.type} declares version ${current} but no migrate`);
        params = decl.migrate(node.params, written);
      } catch (err) {
        errors.push({ path: formatPath([...at, 'nodes', i, 'params']), message: `${node.type} parameters of version ${written} could not be migrated: ${(err as Error).message}` });
        return node;
      }
    }
    const parsed = paramsObjectSchema(decl.params).safeParse(params);
    if (!parsed.success) {
      errors.push(...zodErrors(parsed.error, [...at, 'nodes', i, 'params']));
      return node;
    }
    for (const message of decl.validateParams?.(parsed.data) ?? []) {
      errors.push({ path: formatPath([...at, 'nodes', i, 'params']), message });
    }
    // In memory every node holds its type's current parameters; the serializer writes the version.
    const { paramsVersion: _written, ...rest } = node;
    return { ...rest, params: parsed.data as GraphNode['params'] };
  });
}

/** Validates a parsed JSON value as a graph document (migrating older versions first). */
export function parseGraph(value: unknown, migrations: readonly Migration[] = MIGRATIONS): ParseResult {
  const errors: DocumentError[] = [];
  scanHostile(value, errors);
  if (errors.length > 0) return { ok: false, errors };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, errors: [{ path: '$', message: 'expected a JSON object (a Netwright graph file)' }] };
  }
  const record = value as Record<string, unknown>;
  if (record.format !== GRAPH_FORMAT) {
    return {
      ok: false,
      errors: [{ path: '$.format', message: `expected "${GRAPH_FORMAT}": this is not a Netwright graph file` }],
    };
  }
  const migrated = migrate(record, migrations, GRAPH_VERSION);
  if (!migrated.ok) return { ok: false, errors: [migrated.error] };
  const result = graphSchema.safeParse(migrated.value);
  if (!result.success) return { ok: false, errors: zodErrors(result.error) };
  const graph = result.data;
  const nodes = checkNodes(graph.nodes, errors);
  const seenEdges = new Map<string, number>();
  graph.edges.forEach((edge, i) => {
    const first = seenEdges.get(edge.id);
    if (first !== undefined) {
      errors.push({ path: formatPath(['edges', i, 'id']), message: `duplicate edge id "${edge.id}" (also at edges[${first}])` });
    } else seenEdges.set(edge.id, i);
  });
  const seenRuns = new Map<string, number>();
  const runs = graph.runs.map((run, i) => {
    const first = seenRuns.get(run.id);
    if (first !== undefined) errors.push({ path: formatPath(['runs', i, 'id']), message: `duplicate run id "${run.id}" (also at runs[${first}])` });
    else seenRuns.set(run.id, i);
    return { ...run, graph: { ...run.graph, nodes: checkNodes(run.graph.nodes, errors, ['runs', i, 'graph']) } };
  });
  if (errors.length > 0) return { ok: false, errors: errors.slice(0, MAX_ERRORS) };
  return { ok: true, graph: { ...graph, nodes, runs } };
}

/** Reads a graph file's text: size limit, JSON syntax, then `parseGraph`. */
export function parseGraphText(text: string, migrations?: readonly Migration[]): ParseResult {
  if (text.length > LIMITS.fileBytes) {
    return { ok: false, errors: [{ path: '$', message: `file of ${text.length} bytes is larger than the limit of ${LIMITS.fileBytes}` }] };
  }
  // What the text's size and shape alone decide is refused before JSON.parse builds it.
  const overBudget = checkTextBudget(text);
  if (overBudget) return { ok: false, errors: [overBudget] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: [{ path: '$', message: `not valid JSON: ${shortenText((err as Error).message)}` }] };
  }
  return parseGraph(value, migrations);
}
