// Verifies a dataset record end to end, trusting only the RPC and content-addressed IPFS reads:
// record → recordHash → Merkle proof → on-chain root → spec → each source bundle (verifyBundle) → the record's value
// is what the spec's policy gives over its sources' own verified values.
import type { Address, Hex } from 'viem';
import { aggregate } from '../aggregation/policies.ts';
import { normalizeAnswer } from '../aggregation/normalize.ts';
import { VeritasError } from '../errors.ts';
import { hashJson } from '../canonical.ts';
import type { VeritasPublicClient } from '../chain/clients.ts';
import { verifyRecordProof } from '../merkle.ts';

const ZERO_HASH = `0x${'0'.repeat(64)}` as Hex;
import type { ProvedRecord } from '../../schemas/record.ts';
import type { RequestSpec } from '../../schemas/spec.ts';
import { validateSpec } from '../../schemas/validate.ts';
import { verifyBundle, type VerificationCheck } from './bundle.ts';
import { bundleContext, readOnChainRequest, type OnChainRequest } from './chain.ts';

export type RecordVerificationContext = {
  publicClient: VeritasPublicClient;
  hub: Address;
  /** JSON by CID from a content-checking source (a local Helia node re-hashes every block). */
  getJson: (cid: string) => Promise<unknown>;
  acceptDevnetProofs: boolean;
  /** Re-derives the record value from its sources' values; default: the same normalization and policy the
   * aggregator applies (core/aggregation), so a verifier recomputes the value instead of trusting it. */
  aggregateSources?: (spec: RequestSpec, values: unknown[], index: number) => unknown;
};

export type RecordVerification = { ok: boolean; checks: VerificationCheck[]; failed?: VerificationCheck };

export async function verifyRecord(proved: ProvedRecord, ctx: RecordVerificationContext): Promise<RecordVerification> {
  const checks: VerificationCheck[] = [];
  const add = (name: string, ok: boolean, message: string, code: VerificationCheck['code'] = 'VALUE_MISMATCH') =>
    checks.push(ok ? { name, status: 'pass', message } : { name, status: 'fail', code, message });
  const r = proved.record;
  const recordHash = hashJson(r);
  add(
    'record-hash',
    recordHash === proved.recordHash,
    recordHash === proved.recordHash
      ? 'recordHash is keccak256 of the record’s canonical JSON'
      : `the record hashes to ${recordHash}, not ${proved.recordHash}: it was edited`,
  );
  let chain: OnChainRequest | undefined;
  try {
    chain = await readOnChainRequest(ctx.publicClient, ctx.hub, r.requestId as Hex);
    const ok =
      chain.status === 'fulfilled' &&
      chain.merkleRoot === proved.merkleRoot.toLowerCase() &&
      chain.chainId === r.chainId &&
      chain.hub === r.hub.toLowerCase();
    add(
      'on-chain-root',
      ok,
      ok
        ? `OracleHub ${chain.hub} fulfilled the request with this root`
        : `on-chain: status ${chain.status}, root ${chain.merkleRoot}; the record claims ${proved.merkleRoot} on chain ${r.chainId}, hub ${r.hub}`,
      'REQUEST_MISMATCH',
    );
  } catch (e) {
    add('on-chain-root', false, (e as Error).message, 'CHAIN_ERROR');
  }

  const inTree = verifyRecordProof(
    proved.merkleRoot as Hex,
    // hub v2: the leaf commits the value hash the hub accepted at fulfil (core/merkle.ts)
    { requestId: r.requestId as Hex, index: r.index, valueHash: chain?.valueHash ?? ZERO_HASH, recordHash },
    proved.proof as Hex[],
  );
  add(
    'merkle-proof',
    inTree,
    inTree
      ? `(requestId, ${r.index}, valueHash, recordHash) is a leaf of ${proved.merkleRoot}`
      : 'the Merkle proof does not lead from this record to the root',
    'VALUE_MISMATCH',
  );

  let spec: RequestSpec | undefined;
  if (chain) {
    try {
      const raw = await ctx.getJson(chain.specCid);
      spec = validateSpec(raw);
      const ok = hashJson(raw) === chain.specHash && chain.specCid === r.specCid;
      add(
        'spec',
        ok,
        ok
          ? `spec ${chain.specCid} hashes to the on-chain specHash`
          : 'the spec does not match the on-chain specHash / specCid',
        'SPEC_HASH_MISMATCH',
      );
    } catch (e) {
      add('spec', false, (e as Error).message, 'SPEC_HASH_MISMATCH');
    }
  }

  const sourceValues: unknown[] = [];
  for (const [i, s] of r.sources.entries()) {
    const prefix = `source ${i + 1}`;
    if (!chain || !spec) {
      add(`${prefix}: bundle`, false, 'not checked: the request or its spec could not be read', 'REQUEST_MISMATCH');
      continue;
    }
    const response = chain.responses.find((x) => x.prover === s.prover.toLowerCase());
    const counted =
      response?.included === true && response.bundleCid === s.bundleCid && response.resultHash === s.resultHash;
    add(
      `${prefix}: on-chain response`,
      counted,
      counted
        ? `prover ${s.prover} responded with bundle ${s.bundleCid} and was included`
        : `no included on-chain response of ${s.prover} with bundle ${s.bundleCid}`,
      'REQUEST_MISMATCH',
    );
    try {
      const bundle = await ctx.getJson(s.bundleCid);
      const v = await verifyBundle(
        bundle,
        bundleContext(chain, spec, { acceptDevnetProofs: ctx.acceptDevnetProofs, response }),
      );
      for (const c of v.checks) if (c.status !== 'skip') checks.push({ ...c, name: `${prefix}: ${c.name}` });
      if (v.bundle) sourceValues.push(v.bundle.value);
    } catch (e) {
      add(`${prefix}: bundle`, false, (e as Error).message, 'IPFS_ERROR');
    }
  }

  if (spec && sourceValues.length === r.sources.length) {
    const derive = ctx.aggregateSources ?? reaggregate;
    try {
      const expected = derive(spec, sourceValues, r.index);
      const ok = hashJson(expected) === hashJson(r.value);
      add(
        'record-value',
        ok,
        ok
          ? `the value is the ${spec.aggregation.policy} of its sources’ verified values`
          : `the sources’ verified values give ${JSON.stringify(expected)}, the record says ${JSON.stringify(r.value)}`,
      );
    } catch (e) {
      add('record-value', false, (e as Error).message);
    }
  }
  const failed = checks.find((c) => c.status === 'fail');
  return { ok: failed === undefined, checks, ...(failed ? { failed } : {}) };
}

/** The record's value from its (included) sources' raw values: normalize each, apply the spec's policy. */
function reaggregate(spec: RequestSpec, values: unknown[], index: number): unknown {
  const candidates = values.map((v, i) => ({
    prover: `0x${(i + 1).toString(16).padStart(40, '0')}` as `0x${string}`,
    value: normalizeAnswer(v, spec.value, spec.records),
  }));
  const outcome = aggregate(candidates, {
    policy: spec.aggregation,
    value: spec.value,
    records: spec.records,
    needed: 1,
  });
  if (!outcome.ok) throw new VeritasError('VALUE_MISMATCH', `the sources do not aggregate: ${outcome.reason}`);
  return spec.records === 'array' ? (outcome.value as unknown[])[index] : outcome.value;
}
