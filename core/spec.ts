// Loads a request's spec from IPFS and checks it against the on-chain hash before anyone acts on it. A feed's spec is
// a template without a deadline (DatasetRegistry opens each round with its own): it takes the request's on-chain one.
import { keccak256 } from 'viem';
import { VeritasError } from './errors.ts';
import type { IpfsNode } from './ipfs.ts';
import { validateSpec } from '../schemas/validate.ts';
import type { RequestSpec } from '../schemas/spec.ts';

/**
 * The spec's hash is keccak256 of the exact pinned bytes (the RFC 8785 canonical JSON the API pinned), so a CID
 * that serves different bytes is SPEC_HASH_MISMATCH — whatever JSON it holds.
 */
export async function loadSpec(
  ipfs: IpfsNode,
  specCid: string,
  specHash: `0x${string}`,
  timeoutMs = 30_000,
  deadline?: number | bigint,
  signal?: AbortSignal,
): Promise<RequestSpec> {
  const bytes = await ipfs.getBytes(specCid, { timeoutMs, maxBytes: 256 * 1024, ...(signal ? { signal } : {}) });
  const actual = keccak256(bytes);
  if (actual !== specHash.toLowerCase())
    throw new VeritasError('SPEC_HASH_MISMATCH', `spec ${specCid} hashes to ${actual}, the request says ${specHash}`, {
      field: 'specHash',
      details: { specCid, expected: specHash, actual },
    });
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new VeritasError('INPUT_INVALID', `spec ${specCid} is not UTF-8 JSON`, { field: 'spec' });
  }
  return specOfDocument(json, deadline);
}

/**
 * A pinned spec document as the request it is: a template (an object with no `deadline`) gets the request's on-chain
 * deadline, so the spec and the on-chain parameters agree; a spec that states its own deadline is taken as written.
 */
export function specOfDocument(json: unknown, deadline?: number | bigint): RequestSpec {
  const template = json !== null && typeof json === 'object' && !Array.isArray(json) && !('deadline' in json);
  return validateSpec(template && deadline !== undefined ? { ...json, deadline: Number(deadline) } : json);
}
