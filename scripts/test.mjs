#!/usr/bin/env node
// `npm test`: type checking, lint, knip (dead files, exports, dependencies) and the build at once (each mostly uses one core; together
// they fill two), then the unit tests, then the end-to-end tests against that build. Every step is
// an npm script of its own (`npm run typecheck`, ...); this only orders them. A failing step
// stops the run after the steps running beside it finish, with its name and exit code.
//   node scripts/test.mjs [--no-e2e]
import { spawn } from 'node:child_process';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Stages in order; the scripts of one stage run at the same time. */
const stages = [['typecheck', 'lint', 'knip', 'build'], ['test:unit'], ['test:e2e']];
if (process.argv.includes('--no-e2e')) stages.pop();

/** Runs `npm run <script>`; output of scripts running together is line-prefixed with their name. */
function run(script, prefixed) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(npm, ['run', script], { stdio: prefixed ? ['ignore', 'pipe', 'pipe'] : 'inherit', shell: process.platform === 'win32' });
    if (prefixed) {
      for (const [stream, out] of [[child.stdout, process.stdout], [child.stderr, process.stderr]]) {
        let pending = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk) => {
          const lines = (pending + chunk).split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) out.write(`[${script}] ${line}\n`);
        });
        stream.on('end', () => pending && out.write(`[${script}] ${pending}\n`));
      }
    }
    child.on('error', (err) => resolve({ script, code: 1, seconds: 0, error: err.message }));
    child.on('close', (code, signal) => resolve({ script, code: code ?? 1, signal, seconds: (Date.now() - started) / 1000 }));
  });
}

const times = [];
for (const stage of stages) {
  console.log(`\n== npm test: ${stage.join(' + ')}`);
  const results = await Promise.all(stage.map((script) => run(script, stage.length > 1)));
  for (const r of results) times.push(`${r.script} ${r.seconds.toFixed(0)} s`);
  const failed = results.filter((r) => r.code !== 0);
  if (failed.length > 0) {
    for (const r of failed) console.error(`npm test: ${r.script} failed (${r.error ?? (r.signal ? `signal ${r.signal}` : `exit code ${r.code}`)})`);
    process.exit(1);
  }
}
console.log(`\nnpm test passed (${times.join(', ')})`);
