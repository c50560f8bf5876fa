#!/usr/bin/env node
// `npm start`: builds the app and launches it in Electron. Where the Electron runtime is missing
// (no binary, and it cannot be downloaded), explains how to get it and offers the web version.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import readline from 'node:readline/promises';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const WEB_COMMAND = 'npm run web';

/**
 * The Electron binary's path, or null. Read from the electron package's path.txt rather than
 * `require('electron')`, which would start a download and throw a stack trace on failure.
 */
function findElectronBinary() {
  let packageDir;
  try {
    packageDir = path.dirname(require.resolve('electron/package.json', { paths: [root] }));
  } catch {
    return { binary: null, packageDir: null };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const binary = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron');
    return { binary: existsSync(binary) ? binary : null, packageDir };
  }
  const binary = relative ? path.join(packageDir, 'dist', relative) : null;
  return { binary: binary && existsSync(binary) ? binary : null, packageDir };
}

/** Electron 45 downloads its binary lazily; try once, quietly, and report why it failed. */
function tryDownload(packageDir) {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return 'ELECTRON_SKIP_BINARY_DOWNLOAD is set';
  console.log('Electron runtime not found; downloading it (first launch only)…');
  const result = spawnSync(process.execPath, [path.join(packageDir, 'install.js')], {
    cwd: packageDir,
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
    timeout: 10 * 60_000,
  });
  if (result.status === 0) return null;
  const lines = (result.stderr || '').split('\n').map((l) => l.trim()).filter(Boolean);
  const reason = lines.find((l) => /error|failed|ENOTFOUND|ECONN|ETIMEDOUT/i.test(l) && !l.startsWith('at ')) ?? lines[0];
  return reason ?? `the installer exited with status ${result.status ?? result.signal}`;
}

function explainMissingElectron(reason) {
  const why = reason ? ` (${reason})` : '';
  console.error(
    [
      '',
      `Netwright cannot start its desktop window: the Electron runtime is not installed${why}.`,
      'Electron downloads its runtime from GitHub: run `npm install` (or `npx install-electron`) on a',
      'machine with internet access, or simply `npm start` there, as Electron 45 downloads it on',
      'first launch. Behind a proxy or mirror, set ELECTRON_MIRROR. Meanwhile the same app runs in',
      `your browser: \`${WEB_COMMAND}\` serves it on http://127.0.0.1:5173/.`,
      '',
    ].join('\n'),
  );
}

async function offerWebMode() {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    console.error(`To use the web version, run: ${WEB_COMMAND}`);
    return 1;
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const answer = (await rl.question('Start the web version now? [y/N] ')).trim().toLowerCase();
  rl.close();
  if (answer !== 'y' && answer !== 'yes') {
    console.log(`Later: ${WEB_COMMAND}`);
    return 1;
  }
  return run(process.execPath, [path.join(root, 'scripts/web.mjs'), ...process.argv.slice(2)]);
}

function run(command, args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env });
    const forward = (signal) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', (err) => {
      console.error(`Could not run ${command}: ${err.message}`);
      resolve(1);
    });
  });
}

async function main() {
  let { binary, packageDir } = findElectronBinary();
  if (!binary && packageDir) {
    const failure = tryDownload(packageDir);
    ({ binary } = findElectronBinary());
    if (!binary) {
      explainMissingElectron(failure);
      return offerWebMode();
    }
  } else if (!binary) {
    explainMissingElectron('the electron package is not installed');
    return offerWebMode();
  }

  console.log('Building…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const built = await run(npm, ['run', '--silent', 'build']);
  if (built !== 0) return built;
  // ELECTRON_RUN_AS_NODE would make the binary a plain Node: never inherit it.
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  return run(binary, [root, ...process.argv.slice(2)], env);
}

process.exitCode = await main();
