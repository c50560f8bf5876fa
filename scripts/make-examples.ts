/** Writes examples/<id>.json from the template builders (core/templates). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serializeGraph } from '../core/graph';
import { TEMPLATES } from '../core/templates';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'examples');
mkdirSync(dir, { recursive: true });
for (const t of TEMPLATES) {
  writeFileSync(join(dir, `${t.id}.json`), serializeGraph(t.build()));
  console.log(`examples/${t.id}.json`);
}
