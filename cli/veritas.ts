#!/usr/bin/env node
// The `veritas` command: the composition root. Each sub-command lives in cli/commands/<name>.ts and exports
// `register(program)`; only this folder (and tests) wires operator/, aggregator/ and api/ together.
import { Command } from 'commander';
import { VeritasError, toVeritasError } from '../core/errors.ts';
import { commands } from './commands/index.ts';

const program = new Command('veritas')
  .description('Veritas: a zkTLS verifiable data oracle for AI datasets')
  .version(process.env.npm_package_version ?? '0.1.0')
  .showHelpAfterError();

for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  const err = toVeritasError(e);
  // A user-facing error: code, message, and the field when there is one; stack only with --verbose-style debugging.
  process.stderr.write(`veritas: ${err.code}: ${err.message}${err.field ? ` (field: ${err.field})` : ''}\n`);
  if (!(e instanceof VeritasError) && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
}
