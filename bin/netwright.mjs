#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so the installed bin always matches the source.
import { register } from 'tsx/esm/api';

const verbose = process.argv.includes('--verbose');
// Errors that escape every command (a rejected promise in a library, a failed import) are still
// one line and a documented exit code, never Node's stack and source dump.
function fatal(err) {
  const name = err instanceof Error ? err.name : typeof err;
  const message = String(err instanceof Error ? err.message : err).split('\n', 1)[0].slice(0, 500);
  process.stderr.write(`netwright: unexpected error: ${name}: ${message}${verbose ? '' : ' (run with --verbose for details)'}\n`);
  if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack.slice(0, 20_000)}\n`);
  process.exit(1);
}
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

try {
  register();
  const { main } = await import('../cli/netwright.ts');
  process.exitCode = await main(process.argv);
} catch (err) {
  fatal(err);
}
