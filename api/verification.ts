// The verify panel's data and `veritas verify`'s: core/verify's named checks of a record's chain of evidence (record
// hash, Merkle proof, on-chain root, spec, each source bundle), trusting only the RPC and content-addressed IPFS reads.
import type { Address } from 'viem';
import type { VeritasPublicClient } from '../core/chain/clients.ts';
import { hashJson } from '../core/canonical.ts';
import { verifyRecord } from '../core/verify/record.ts';
import type { ProvedRecord } from '../schemas/record.ts';
import type { ApiDeps } from './deps.ts';
import { publicMessage } from './errors.ts';

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

/** The panel runs against this API's own chain client and IPFS node (content-addressed, so nothing is taken on trust). */
export async function verifyForPanel(deps: ApiDeps, proved: ProvedRecord): Promise<RecordVerification> {
  const v = await verifyProvedRecord(proved, {
    publicClient: deps.chain.publicClient,
    hub: deps.chain.hubAddress,
    getJson: (cid) => deps.ipfs.getJson(cid, { timeoutMs: 10_000 }),
    acceptDevnetProofs: deps.acceptDevnetProofs ?? false,
  });
  // the panel is public: a check's detail may quote an RPC or IPFS error, which can carry URLs and addresses
  const checks = v.checks.map((c) => ({ ...c, detail: publicMessage(c.detail) }));
  const failed = v.failed ? checks.find((c) => c.name === v.failed!.name) : undefined;
  return { ...v, checks, ...(failed ? { failed } : {}) };
}

export type VerificationCache = {
  /** The verdict of a record of a fulfilled request, computed once per (record, root) and shared by every view. */
  verify(proved: ProvedRecord): Promise<{ result: RecordVerification; cached: boolean }>;
};

/**
 * A bounded cache of the panel's verdicts. A fulfilled record's evidence is immutable (content-addressed bundles, an
 * on-chain root), so a verdict stays true; one that failed because the chain or IPFS could not be read is recomputed
 * on the next view. Concurrent views of one record share one computation.
 */
export function verificationCache(deps: ApiDeps, max = 2_000): VerificationCache {
  const entries = new Map<string, Promise<RecordVerification>>();
  return {
    async verify(proved) {
      const key = hashJson(proved); // the whole claim: record, root and proof
      const hit = entries.get(key);
      if (hit) return { result: await hit, cached: true };
      const pending = verifyForPanel(deps, proved);
      entries.set(key, pending);
      while (entries.size > max) entries.delete(entries.keys().next().value!);
      const result = await pending.catch((e: unknown) => {
        entries.delete(key);
        throw e;
      });
      if (result.transient) entries.delete(key);
      return { result, cached: false };
    },
  };
}
