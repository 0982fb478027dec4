// What a command prints: data on stdout (JSON Lines with --json, one object per line), progress and notes on stderr
// (JSON Lines too with --json), colour only on a terminal and never with NO_COLOR.
import type { Command } from 'commander';
import { loadConfig, type Config } from '../core/config.ts';

export type Output = {
  json: boolean;
  /** One datum: with --json a single JSON line; otherwise `text` (or pretty JSON when no text is given). */
  data(value: unknown, text?: string): void;
  /** A progress or status line on stderr: with --json `{"event": …, …}` as one line, else `text`. */
  note(event: string, fields: Record<string, unknown>, text: string): void;
  color: { green(s: string): string; red(s: string): string; dim(s: string): string };
};

export function createOutput(
  o: { json: boolean; color: boolean },
  out: NodeJS.WriteStream = process.stdout,
  err: NodeJS.WriteStream = process.stderr,
): Output {
  // colour only when both streams are a terminal: a redirected output never carries escape codes
  const on = o.color && out.isTTY === true && err.isTTY === true;
  const paint = (code: number) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
  return {
    json: o.json,
    data(value, text) {
      if (o.json) out.write(`${JSON.stringify(value)}\n`);
      else out.write(`${text ?? JSON.stringify(value, null, 2)}\n`);
    },
    note(event, fields, text) {
      if (o.json) err.write(`${JSON.stringify({ event, ...fields })}\n`);
      else err.write(`${text}\n`);
    },
    color: { green: paint(32), red: paint(31), dim: paint(2) },
  };
}

/** The configuration (read once) and the output of a command, from its options and the global --json. */
export function commandContext(cmd: Command): { config: Config; out: Output } {
  const config = loadConfig(process.env);
  const json = cmd.optsWithGlobals<{ json?: boolean }>().json === true;
  return { config, out: createOutput({ json, color: config.cli.color }) };
}
