// `veritas verify`'s and the verify panel's data: the named checks of a record's chain of evidence (record hash,
// Merkle proof, on-chain root, spec, each source bundle), trusting only the RPC and content-addressed IPFS reads.
import type { Address } from 'viem';
import type { VeritasPublicClient } from '../chain/clients.ts';
import type { ProvedRecord } from '../../schemas/record.ts';
import { verifyRecord } from './record.ts';

export type Check = { name: string; ok: boolean; detail: string };
export type RecordVerification = {
  ok: boolean;
  checks: Check[];
  failed?: Check;
  /** A check failed because the chain or IPFS could not be read: the verdict may change on a retry. */
  transient?: boolean;
};

export type VerifySources = {
  publicClient: VeritasPublicClient;
  hub: Address;
  /** Reads JSON by CID; callers make it content-checked (a local Helia node, or a gateway whose bytes are re-hashed). */
  getJson: (cid: string) => Promise<unknown>;
  acceptDevnetProofs: boolean;
};

/** core/verify's record verification, its checks flattened to what the panel and the CLI print. */
export async function verifyProvedRecord(proved: ProvedRecord, src: VerifySources): Promise<RecordVerification> {
  const v = await verifyRecord(proved, src);
  const checks: Check[] = v.checks.map((c) => ({
    name: c.name,
    ok: c.status === 'pass',
    detail: c.status === 'skip' ? `skipped — ${c.message}` : c.message,
  }));
  const failed = v.failed ? checks.find((c) => c.name === v.failed!.name) : undefined;
  const transient = v.checks.some((c) => c.status === 'fail' && (c.code === 'CHAIN_ERROR' || c.code === 'IPFS_ERROR'));
  return { ok: v.ok, checks, ...(failed ? { failed } : {}), ...(transient ? { transient } : {}) };
}
