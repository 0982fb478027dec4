// The verify panel's verification: core/verify's record checks against this API's own chain client and IPFS node,
// with public-safe messages and a per-record cache.
import { hashJson } from '../core/canonical.ts';
import { type RecordVerification, verifyProvedRecord } from '../core/verify/proved-record.ts';
import type { ProvedRecord } from '../schemas/record.ts';
import type { ApiDeps } from './deps.ts';
import { publicMessage } from './errors.ts';

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
