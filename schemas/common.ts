// Primitive zod types shared by every schema (hex, addresses, CIDs, byte ranges), and zod → VeritasError mapping.
import { z } from 'zod';
import { VeritasError } from './errors.ts';

export const Hex32 = z
  .string()
  .regex(/^0x[0-9a-f]{64}$/, 'must be 0x followed by 64 lowercase hex digits')
  .meta({ description: '32 bytes, 0x-prefixed lowercase hex' });
export type Hex32 = `0x${string}`;

export const HexBytes = z.string().regex(/^0x([0-9a-f]{2})*$/, 'must be 0x-prefixed lowercase hex bytes');

export const Address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address')
  .transform((a) => a.toLowerCase() as `0x${string}`)
  .meta({ description: 'EVM address (normalised to lowercase)' });

// CIDv1 base32 (what Helia emits) or CIDv0; the real check is done by `multiformats` where the CID is used.
export const Cid = z.string().regex(/^(b[a-z2-7]{20,}|Qm[1-9A-HJ-NP-Za-km-z]{44})$/, 'must be a CIDv0 or base32 CIDv1');

export const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be standard base64');

/** A half-open byte range [start, end) of a transcript. */
export const Range = z
  .object({ start: z.number().int().min(0), end: z.number().int().min(0) })
  .strict()
  .refine((r) => r.end > r.start, { message: 'end must be greater than start' });
export type Range = z.infer<typeof Range>;

/** Turns a zod failure into a VeritasError naming the first bad field (dotted path with [i] for indexes). */
export function zodToVeritasError(
  error: z.ZodError,
  what: string,
  code: 'INPUT_INVALID' | 'SCHEMA_INVALID' = 'SCHEMA_INVALID',
) {
  const problems = error.issues.map((i) => ({ field: fieldPath(i.path), reason: i.message }));
  const first = problems[0] ?? { field: '$', reason: 'invalid' };
  return new VeritasError(code, `${what}: ${first.field}: ${first.reason}`, {
    field: first.field,
    details: { problems },
  });
}

export function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '$';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** Parses untrusted input with a zod schema; a failure is a VeritasError whose `field` names the offending member. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  code?: 'INPUT_INVALID' | 'SCHEMA_INVALID',
): z.infer<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw zodToVeritasError(r.error, what, code);
  return r.data;
}
