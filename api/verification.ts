// The verify panel's verification: core/verify's record checks against this API's own chain client and IPFS node.
import type { ProvedRecord } from '../schemas/record.ts';
import { verifyProvedRecord, type RecordVerification } from '../core/verify/proved-record.ts';
import type { ApiDeps } from './deps.ts';

/** The panel runs against this API's own chain client and IPFS node (content-addressed, so nothing is taken on trust). */
export function verifyForPanel(deps: ApiDeps, proved: ProvedRecord): Promise<RecordVerification> {
  return verifyProvedRecord(proved, {
    publicClient: deps.chain.publicClient,
    hub: deps.chain.hubAddress,
    getJson: (cid) => deps.ipfs.getJson(cid, { timeoutMs: 10_000 }),
    acceptDevnetProofs: deps.acceptDevnetProofs ?? false,
  });
}
