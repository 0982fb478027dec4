// The list of sub-commands. Add a command: create cli/commands/<name>.ts exporting `register`, then add it here.
import type { Command } from 'commander';
import { register as devnet } from './devnet.ts';

export const commands: ((program: Command) => void)[] = [devnet];
