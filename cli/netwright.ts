/**
 * `netwright`: the command line. Each subcommand lives in cli/commands/ and registers itself on
 * the program; this file only wires them and turns failures into exit codes.
 */
import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands';
import { describeUnexpected } from './report';

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, invalid: 1, unreadable: 2 } as const;

/** Registers the subcommands; replaceable so tests can add one that fails on purpose. */
export type RegisterCommands = (program: Command, setExitCode: (code: number) => void) => void;

export async function main(argv: readonly string[], register: RegisterCommands = registerCommands): Promise<number> {
  const program = new Command()
    .name('netwright')
    .description('Design, train and inspect neural networks from graph files.')
    .option('--verbose', 'on an unexpected error, also print its stack')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  let exitCode: number = EXIT.ok;
  register(program, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.unreadable;
    // Anything else is a bug or an environment failure: one line, the stack only on request.
    process.stderr.write(`${describeUnexpected(err, argv.includes('--verbose'))}\n`);
    return EXIT.invalid;
  }
  return exitCode;
}
