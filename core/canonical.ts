// The one canonicalization and hashing path: RFC 8785 canonical JSON, keccak256 over it, and hex/byte helpers.
//
// Every hash that is signed, put on-chain or compared across parties (spec hash, result hash, record leaves,
// transcript hashes) goes through this module, so two honest parties can never disagree on encoding.
import canonicalize from 'canonicalize';
import { keccak256, toBytes, toHex, type Hex } from 'viem';
import { VeritasError } from './errors.ts';

export type { Hex };

/** RFC 8785 (JCS) canonical JSON text. Refuses values JSON cannot represent (undefined, functions, NaN, Infinity). */
export function canonicalJson(value: unknown): string {
  assertJsonValue(value, '$');
  const text = canonicalize(value);
  if (text === undefined) throw new VeritasError('INPUT_INVALID', 'value has no JSON representation', { field: '$' });
  return text;
}

export const canonicalBytes = (value: unknown): Uint8Array => new TextEncoder().encode(canonicalJson(value));

/** keccak256 of the canonical JSON of `value`: the `resultHash` of an extracted value, the `specHash` of a spec. */
export const hashJson = (value: unknown): Hex => keccak256(canonicalBytes(value));

export const keccakBytes = (bytes: Uint8Array): Hex => keccak256(bytes);
export const keccakUtf8 = (text: string): Hex => keccak256(toBytes(text));

export const bytesToHex = (bytes: Uint8Array): Hex => toHex(bytes);
export const hexToBytes = (hex: Hex): Uint8Array => toBytes(hex);

// canonicalize() silently drops `undefined` members and turns NaN into null; in a signed value that would
// make two different inputs hash alike, so such values are refused with the path of the offending member.
function assertJsonValue(value: unknown, path: string): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value))
        throw new VeritasError('INPUT_INVALID', `${path} is not a finite number`, { field: path });
      return;
    case 'object':
      if (value === null) return;
      if (Array.isArray(value)) {
        for (const [i, item] of value.entries()) assertJsonValue(item, `${path}[${i}]`);
        return;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null)
        throw new VeritasError('INPUT_INVALID', `${path} is not a plain JSON object`, { field: path });
      for (const [k, v] of Object.entries(value)) assertJsonValue(v, `${path}.${k}`);
      return;
    default:
      throw new VeritasError('INPUT_INVALID', `${path} has no JSON representation (${typeof value})`, { field: path });
  }
}
