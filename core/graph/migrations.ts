/**
 * Versioned migrations: migration k turns a version k document into version k + 1. A file is
 * migrated step by step to the current version before it is validated.
 */
import type { DocumentError } from './json-path';

export interface Migration {
  from: number;
  describe: string;
  up(doc: Record<string, unknown>): Record<string, unknown>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    from: 1,
    describe: 'kept training runs (none in a version 1 file)',
    up: (doc) => ({ ...doc, runs: [] }),
  },
  {
    from: 2,
    describe: 'a checksum with kept weights (null for runs from version 2: only their layout is checked)',
    up: (doc) => ({ ...doc, runs: Array.isArray(doc.runs) ? doc.runs.map(withNullChecksum) : doc.runs }),
  },
  {
    from: 3,
    // Both additions are optional: a version 3 graph is a version 4 graph with one phase and no sharing.
    describe: 'optional shared weights (nodes[].shares) and training phases (training.phases)',
    up: (doc) => doc,
  },
  {
    from: 4,
    // Optional too: a version 4 graph is a version 5 graph without sub-models.
    describe: 'optional named sub-models (submodels)',
    up: (doc) => doc,
  },
];

/**
 * A version 2 run's weights get `checksum: null`: there is no checksum to verify, and computing one
 * now would vouch for bytes nobody checked. Anything malformed is left for the schema to name.
 */
function withNullChecksum(run: unknown): unknown {
  if (run === null || typeof run !== 'object' || Array.isArray(run)) return run;
  const weights = (run as Record<string, unknown>).weights;
  if (weights === null || typeof weights !== 'object' || Array.isArray(weights) || 'checksum' in weights) return run;
  return { ...run, weights: { ...weights, checksum: null } };
}

export function migrate(
  doc: Record<string, unknown>,
  migrations: readonly Migration[],
  currentVersion: number,
): { ok: true; value: Record<string, unknown> } | { ok: false; error: DocumentError } {
  const version = doc.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return { ok: false, error: { path: '$.version', message: 'expected a whole number >= 1' } };
  }
  if (version > currentVersion) {
    return {
      ok: false,
      error: {
        path: '$.version',
        message: `version ${version} was written by a newer Netwright (this one reads up to ${currentVersion}); update the app`,
      },
    };
  }
  let current = doc;
  for (let v = version; v < currentVersion; v++) {
    const step = migrations.find((m) => m.from === v);
    if (!step) return { ok: false, error: { path: '$.version', message: `no migration from version ${v}` } };
    try {
      current = { ...step.up(current), version: v + 1 };
    } catch (err) {
      return { ok: false, error: { path: '$', message: `migration from version ${v} (${step.describe}) failed: ${(err as Error).message}` } };
    }
  }
  return { ok: true, value: current };
}
