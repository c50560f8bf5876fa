import type { Command } from 'commander';
import { registerSummary } from './summary';
import { registerTrain } from './train';
import { registerDatasets } from './datasets';
import { registerExport } from './export';
import { registerImport } from './import';
import { registerInspect } from './inspect';
import type { SetExitCode } from '../report';

export function registerCommands(program: Command, setExitCode: SetExitCode): void {
  registerSummary(program, setExitCode);
  registerTrain(program, setExitCode);
  registerDatasets(program, setExitCode);
  registerExport(program, setExitCode);
  registerImport(program, setExitCode);
  registerInspect(program, setExitCode);
}
