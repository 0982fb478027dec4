#!/usr/bin/env node
// The `veritas` command: the composition root. Each sub-command lives in cli/commands/<name>.ts and exports
// `register(program)`; only this folder (and tests) wires operator/, aggregator/ and api/ together.
import { Command, CommanderError } from 'commander';
import { VeritasError, toVeritasError } from '../core/errors.ts';
import { commands } from './commands/index.ts';
import { CliExit, EXIT, EXIT_TABLE, exitCodeOf } from './exit.ts';

const VERSION = process.env.npm_package_version ?? '0.1.0';
// Only as the first argument: commander's program-level version option answers `--version` anywhere on the line, and
// `dataset export|verify --version <v>` names a dataset version (it printed the CLI's version and did nothing).
const versionOnly = process.argv[2] === '--version' || process.argv[2] === '-V';

const program = new Command('veritas')
  .description('Veritas: a zkTLS verifiable data oracle for AI datasets')
  .option('--json', 'machine-readable output: JSON Lines on stdout (data) and stderr (progress, errors)')
  .showHelpAfterError()
  // settings set before the sub-commands are registered are inherited by each of them
  .exitOverride()
  .configureHelp({ showGlobalOptions: true })
  .addHelpText(
    'after',
    `\n\`veritas --version\` (first argument only) prints the version.\n` +
      `\nEnvironment: VERITAS_API_URL, VERITAS_API_KEY (client commands), NO_COLOR; see the README's Configuration.\n` +
      `Exit codes:\n${EXIT_TABLE.map((e) => `  ${e.code}  ${e.meaning}`).join('\n')}\n`,
  );

for (const register of commands) register(program);

const json = process.argv.includes('--json');
try {
  if (versionOnly) process.stdout.write(`${VERSION}\n`);
  else await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version end through here too, with commander's exit code 0
    process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  } else {
    const exitCode = exitCodeOf(e);
    const err = e instanceof CliExit ? e : toVeritasError(e);
    const field = err instanceof VeritasError ? err.field : undefined;
    if (json)
      process.stderr.write(
        `${JSON.stringify({ event: 'error', code: err.code, message: err.message, exitCode, ...(field ? { field } : {}) })}\n`,
      );
    else process.stderr.write(`veritas: ${err.code}: ${err.message}${field ? ` (field: ${field})` : ''}\n`);
    // a stack only for what is not a user-facing error: a bug to report
    if (exitCode === EXIT.INTERNAL && !(e instanceof VeritasError) && e instanceof Error && e.stack)
      process.stderr.write(`${e.stack}\n`);
    process.exitCode = exitCode;
  }
}
