// Command-line option values: checked where they enter, with the flag named in the error (never a silent NaN).
import { VeritasError } from '../core/errors.ts';

/** A whole number in [min, max]. */
export function int(v: string, flag: string, range: { min?: number; max?: number } = {}): number {
  if (!/^\d+$/.test(v)) throw new VeritasError('INPUT_INVALID', `${flag} must be a whole number`, { field: flag });
  const n = Number(v);
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = range;
  if (n < min || n > max)
    throw new VeritasError('INPUT_INVALID', `${flag} must be between ${min} and ${max}`, { field: flag });
  return n;
}

/** A non-negative decimal number. */
export function num(v: string, flag: string): number {
  if (!/^\d+(\.\d+)?$/.test(v)) throw new VeritasError('INPUT_INVALID', `${flag} must be a number`, { field: flag });
  return Number(v);
}

/** Milliseconds between a service's polls of the chain and its database. */
export const pollMs = (v: string, flag = '--poll'): number => int(v, flag, { min: 50, max: 60_000 });
