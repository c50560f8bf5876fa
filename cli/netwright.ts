/**
 * `netwright`: the command line. Each subcommand lives in cli/commands/ and registers itself on
 * the program; this file only wires them and turns failures into exit codes.
 */
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands';

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, invalid: 1, unreadable: 2 } as const;

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command()
    .name('netwright')
    .description('Design, train and inspect neural networks from graph files.')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let exitCode: number = EXIT.ok;
  registerCommands(program, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.unreadable;
    throw err;
  }
  return exitCode;
}
