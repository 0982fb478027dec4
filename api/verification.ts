// The verify panel's data and `veritas verify`'s: a record's chain of evidence as named checks — record hash, Merkle
// proof, on-chain root, spec, then every source bundle through core/verify's bundle checks — trusting only the RPC
// and content-addressed IPFS reads.
import type { Address, Hex } from 'viem';
import type { VeritasPublicClient } from '../core/chain/clients.ts';
import { hashJson } from '../core/canonical.ts';
import { verifyRecordProof } from '../core/merkle.ts';
import { verifyBundle } from '../core/verify/bundle.ts';
import { bundleContext, readOnChainRequest, type OnChainRequest } from '../core/verify/chain.ts';
import type { ProvedRecord } from '../schemas/record.ts';
import type { RequestSpec } from '../schemas/spec.ts';
import { validateSpec } from '../schemas/validate.ts';
import type { ApiDeps } from './deps.ts';

export type Check = { name: string; ok: boolean; detail: string };
export type RecordVerification = { ok: boolean; checks: Check[]; failed?: Check };

export type VerifySources = {
  publicClient: VeritasPublicClient;
  hub: Address;
  /** Reads JSON by CID; callers make it content-checked (a local Helia node, or a gateway whose bytes are re-hashed). */
  getJson: (cid: string) => Promise<unknown>;
  acceptDevnetProofs: boolean;
};

export async function verifyProvedRecord(proved: ProvedRecord, src: VerifySources): Promise<RecordVerification> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const r = proved.record;
  const recordHash = hashJson(r);
  add('record-hash', recordHash === proved.recordHash, recordHash === proved.recordHash ? 'recordHash is keccak256 of the record’s canonical JSON' : `the record hashes to ${recordHash}, not ${proved.recordHash}: it was edited`);
  const inTree = verifyRecordProof(proved.merkleRoot as Hex, { requestId: r.requestId as Hex, index: r.index, recordHash }, proved.proof as Hex[]);
  add('merkle-proof', inTree, inTree ? `leaf (requestId, ${r.index}, recordHash) is in the tree of ${proved.merkleRoot}` : 'the Merkle proof does not lead from this record to the root');
  let chain: OnChainRequest | undefined;
  try {
    chain = await readOnChainRequest(src.publicClient, src.hub, r.requestId as Hex);
    const ok = chain.status === 'fulfilled' && chain.merkleRoot.toLowerCase() === proved.merkleRoot.toLowerCase() && chain.chainId === r.chainId && chain.hub === r.hub.toLowerCase();
    add('on-chain-root', ok, ok ? `OracleHub ${chain.hub} fulfilled the request with this root` : `on-chain: status ${chain.status}, root ${chain.merkleRoot} (record claims ${proved.merkleRoot} on chain ${r.chainId}, hub ${r.hub})`);
  } catch (e) {
    add('on-chain-root', false, (e as Error).message);
  }
  let spec: RequestSpec | undefined;
  if (chain) {
    try {
      const raw = await src.getJson(chain.specCid);
      const ok = hashJson(raw) === chain.specHash && chain.specCid === r.specCid;
      spec = validateSpec(raw);
      add('spec', ok, ok ? `spec ${chain.specCid} hashes to the on-chain specHash` : 'the spec does not match the on-chain specHash / specCid');
    } catch (e) {
      add('spec', false, (e as Error).message);
    }
  }
  for (const [i, s] of r.sources.entries()) {
    const prefix = `source ${i + 1}`;
    if (!chain || !spec) {
      add(`${prefix}: bundle`, false, 'not checked: the request or its spec could not be read');
      continue;
    }
    const response = chain.responses.find((x) => x.prover === s.prover.toLowerCase());
    const counted = response !== undefined && response.included && response.bundleCid === s.bundleCid && response.resultHash === s.resultHash;
    add(`${prefix}: on-chain response`, counted, counted ? `prover ${s.prover} responded with bundle ${s.bundleCid} and was included` : `no included on-chain response of ${s.prover} with bundle ${s.bundleCid}`);
    try {
      const bundle = await src.getJson(s.bundleCid);
      const v = await verifyBundle(bundle, bundleContext(chain, spec, { acceptDevnetProofs: src.acceptDevnetProofs, response }));
      for (const c of v.checks) if (c.status !== 'skip' || !v.ok) add(`${prefix}: ${c.name}`, c.status === 'pass', c.message);
    } catch (e) {
      add(`${prefix}: bundle`, false, (e as Error).message);
    }
  }
  const failed = checks.find((c) => !c.ok);
  return { ok: failed === undefined, checks, ...(failed ? { failed } : {}) };
}

/** The panel runs against this API's own chain client and IPFS node (content-addressed, so nothing is taken on trust). */
export function verifyForPanel(deps: ApiDeps, proved: ProvedRecord): Promise<RecordVerification> {
  return verifyProvedRecord(proved, {
    publicClient: deps.chain.publicClient,
    hub: deps.chain.hubAddress,
    getJson: (cid) => deps.ipfs.getJson(cid, { timeoutMs: 10_000 }),
    acceptDevnetProofs: deps.acceptDevnetProofs ?? false,
  });
}
