/** Writes examples/<id>.json from the template builders (core/templates). */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serializeGraph } from '../core/graph';
import { TEMPLATES } from '../core/templates';
import { writeFileAtomic } from '../node/atomic-write';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'examples');
mkdirSync(dir, { recursive: true });
for (const t of TEMPLATES) {
  await writeFileAtomic(join(dir, `${t.id}.json`), serializeGraph(t.build()));
  console.log(`examples/${t.id}.json`);
}
