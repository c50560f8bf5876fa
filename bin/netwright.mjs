#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so the installed bin always matches the source.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/netwright.ts');
process.exitCode = await main(process.argv);
