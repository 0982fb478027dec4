// Verifies a dataset record end to end, trusting only the RPC and content-addressed IPFS reads:
// record → recordHash → Merkle proof → on-chain root → spec → every response's bundle (verifyBundle) → the record
// is exactly the spec's policy over the request's valid responses, and every field it carries is the spec's or its
// bundles'. `verifyRecord` reads; `checkRecord` (pure) judges — shared by `veritas verify`, the API's verify panel
// and the aggregator, so no two of them can disagree about what an acceptable record is.
import type { Address, Hex } from 'viem';
import { aggregate } from '../aggregation/policies.ts';
import { normalizeAnswer } from '../aggregation/normalize.ts';
import { canonicalJson, hashJson } from '../canonical.ts';
import type { VeritasPublicClient } from '../chain/clients.ts';
import { verifyRecordProof } from '../merkle.ts';

const ZERO_HASH = `0x${'0'.repeat(64)}` as Hex;
import type { ProvedRecord } from '../../schemas/record.ts';
import type { RequestSpec } from '../../schemas/spec.ts';
import { specOfDocument } from '../spec.ts';
import { verifyBundle, type BundleCheckName, type BundleVerification } from './bundle.ts';
import { checkRunner, type Verification } from './checks.ts';
import { bundleContext, readOnChainRequest, type OnChainRequest } from './chain.ts';

/** The record's own checks, in order; each source adds its bundle's checks under `source N: …`. */
export const RECORD_CHECKS = [
  'record-hash',
  'merkle-proof',
  'on-chain-root',
  'spec',
  'record-fields',
  'sources',
  'record-value',
] as const;
export type RecordCheckName =
  | (typeof RECORD_CHECKS)[number]
  | `source ${number}: ${BundleCheckName | 'on-chain response' | 'bundle' | 'fields'}`;
export type RecordVerification = Verification<RecordCheckName>;

export type RecordVerificationContext = {
  publicClient: VeritasPublicClient;
  hub: Address;
  /** JSON by CID from a content-checking source (a local Helia node re-hashes every block). */
  getJson: (cid: string) => Promise<unknown>;
  acceptDevnetProofs: boolean;
};

/** One on-chain response of the request, as the verifier judged its bundle (or could not fetch it). */
export type JudgedResponse = {
  response: OnChainRequest['responses'][number];
  verification?: BundleVerification;
  /** The bundle's value normalized per the spec, when the bundle is valid. */
  normalized?: unknown;
  fetchError?: string;
};

/** Reads everything a record refers to, then judges it with `checkRecord`. Never throws for a bad record. */
export async function verifyRecord(proved: ProvedRecord, ctx: RecordVerificationContext): Promise<RecordVerification> {
  let chain: OnChainRequest | undefined;
  let chainError: string | undefined;
  try {
    chain = await readOnChainRequest(ctx.publicClient, ctx.hub, proved.record.requestId as Hex);
  } catch (e) {
    chainError = (e as Error).message;
  }
  let spec: RequestSpec | undefined;
  let specError: string | undefined;
  let rawSpec: unknown;
  if (chain) {
    try {
      rawSpec = await ctx.getJson(chain.specCid);
      spec = specOfDocument(rawSpec, chain.deadline); // a feed's template takes the round's on-chain deadline
    } catch (e) {
      specError = (e as Error).message;
    }
  }
  const judged: JudgedResponse[] = [];
  if (chain && spec) {
    for (const response of chain.responses) {
      try {
        const bundle = await ctx.getJson(response.bundleCid);
        const verification = await verifyBundle(
          bundle,
          bundleContext(chain, spec, { acceptDevnetProofs: ctx.acceptDevnetProofs, response }),
        );
        judged.push({ response, verification, ...normalized(verification, spec) });
      } catch (e) {
        judged.push({ response, fetchError: (e as Error).message });
      }
    }
  }
  return checkRecord(proved, {
    ...(chain ? { chain } : { chainError: chainError ?? 'unreadable' }),
    ...(spec ? { spec, specHashOk: hashJson(rawSpec) === chain!.specHash } : { specError: specError ?? 'unread' }),
    responses: judged,
  });
}

function normalized(v: BundleVerification, spec: RequestSpec): { normalized?: unknown } {
  if (!v.ok || !v.bundle) return {};
  try {
    return { normalized: normalizeAnswer(v.bundle.value, spec.value, spec.records) };
  } catch {
    return {};
  }
}

export type RecordEvidence = {
  chain?: OnChainRequest;
  chainError?: string;
  spec?: RequestSpec;
  /** keccak256 of the spec document read by its CID equals the on-chain specHash. */
  specHashOk?: boolean;
  specError?: string;
  /** Every on-chain response of the request, judged. */
  responses: JudgedResponse[];
};

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/**
 * THE record rule (ARCHITECTURE.md, adversary invariant 4): a record is accepted only if it is exactly the spec's
 * policy over the request's valid responses — its sources are the policy's included set, distinct, assigned, at
 * least `quorum`, and the ones the hub marked included — and each field (url, extract, policy, trust, specCid,
 * each source's prover, notary, server name, TLS time, result hash and value) is the spec's or its bundle's.
 */
export function checkRecord(proved: ProvedRecord, ev: RecordEvidence): RecordVerification {
  const runner = checkRunner<RecordCheckName>();
  const r = proved.record;
  const recordHash = hashJson(r);
  runner.run('record-hash', 'VALUE_MISMATCH', 'recordHash is keccak256 of the record’s canonical JSON', () =>
    recordHash === proved.recordHash
      ? undefined
      : `the record hashes to ${recordHash}, not ${proved.recordHash}: it was edited`,
  );
  runner.run(
    'merkle-proof',
    'VALUE_MISMATCH',
    `(requestId, ${r.index}, valueHash, recordHash) is a leaf of ${proved.merkleRoot}`,
    () =>
      verifyRecordProof(
        proved.merkleRoot as Hex,
        // hub v2: the leaf commits the value hash the hub accepted at fulfil (core/merkle.ts)
        { requestId: r.requestId as Hex, index: r.index, valueHash: ev.chain?.valueHash ?? ZERO_HASH, recordHash },
        proved.proof as Hex[],
      )
        ? undefined
        : 'the Merkle proof does not lead from this record to the root',
  );
  const chain = ev.chain;
  if (!chain) {
    runner.run('on-chain-root', 'CHAIN_ERROR', '', () => ev.chainError ?? 'the request could not be read');
    for (const name of RECORD_CHECKS.slice(3)) runner.skip(name, 'not checked: the request could not be read');
    return runner.finish();
  }
  runner.run('on-chain-root', 'REQUEST_MISMATCH', `OracleHub ${chain.hub} fulfilled the request with this root`, () =>
    chain.status === 'fulfilled' &&
    chain.merkleRoot === proved.merkleRoot.toLowerCase() &&
    chain.chainId === r.chainId &&
    chain.hub === r.hub.toLowerCase()
      ? undefined
      : `on-chain: status ${chain.status}, root ${chain.merkleRoot}; the record claims ${proved.merkleRoot} on chain ${r.chainId}, hub ${r.hub}`,
  );
  const spec = ev.spec;
  runner.run('spec', 'SPEC_HASH_MISMATCH', `spec ${chain.specCid} hashes to the on-chain specHash`, () => {
    if (!spec) return ev.specError ?? 'the spec could not be read';
    if (!ev.specHashOk) return 'the spec does not match the on-chain specHash';
    return chain.specCid === r.specCid
      ? undefined
      : `record.specCid ${r.specCid} is not the request's ${chain.specCid}`;
  });
  if (!spec) {
    for (const name of RECORD_CHECKS.slice(4)) runner.skip(name, 'not checked: the spec could not be read');
    return runner.finish();
  }

  const byProver = new Map(ev.responses.map((j) => [j.response.prover, j]));
  const sourceBundles = r.sources.map((s) => byProver.get(s.prover.toLowerCase() as Address));
  runner.run(
    'record-fields',
    'VALUE_MISMATCH',
    'url, extract, policy and trust are the spec’s and its bundles’',
    () => {
      if (r.url !== spec.url) return `record.url ${r.url} is not the spec's ${spec.url}`;
      if (!same(r.extract, spec.extract)) return 'record.extract is not the spec’s extraction rule';
      if (!same(r.policy, spec.aggregation)) return 'record.policy is not the spec’s aggregation policy';
      const trusts = sourceBundles.map((j) => j?.verification?.bundle?.trust);
      const trust = trusts.includes('devnet') ? 'devnet' : 'webpki';
      if (r.trust !== trust) return `record.trust ${r.trust} is not its bundles' ${trust}`;
      if (spec.records === 'single' && r.index !== 0) return `a single-record request has only index 0, not ${r.index}`;
      return undefined;
    },
  );

  const host = new URL(spec.url).hostname;
  for (const [i, s] of r.sources.entries()) {
    const n = i + 1;
    const j = sourceBundles[i];
    runner.run(
      `source ${n}: on-chain response`,
      'REQUEST_MISMATCH',
      `prover ${s.prover} responded with bundle ${s.bundleCid} and was included`,
      () =>
        j?.response.included === true && j.response.bundleCid === s.bundleCid && j.response.resultHash === s.resultHash
          ? undefined
          : `no included on-chain response of ${s.prover} with bundle ${s.bundleCid}`,
    );
    if (!j?.verification) {
      runner.run(`source ${n}: bundle`, 'IPFS_ERROR', '', () => j?.fetchError ?? 'no such response on-chain');
      continue;
    }
    for (const c of j.verification.checks)
      if (c.status !== 'skip') runner.add({ ...c, name: `source ${n}: ${c.name}` });
    const b = j.verification.bundle;
    runner.run(
      `source ${n}: fields`,
      'VALUE_MISMATCH',
      'prover, notary, server name, TLS time, result hash and value are the bundle’s',
      () => {
        if (!b) return 'the bundle is not well-formed';
        if (b.prover !== s.prover.toLowerCase()) return `source.prover ${s.prover} is not the bundle's ${b.prover}`;
        if (b.notary !== s.notary.toLowerCase()) return `source.notary ${s.notary} is not the bundle's ${b.notary}`;
        if (s.serverName !== b.serverName || s.serverName !== host)
          return `source.serverName ${s.serverName} is not the bundle's ${b.serverName} and the spec's ${host}`;
        if (s.tlsTime !== b.tlsTime) return `source.tlsTime ${s.tlsTime} is not the bundle's ${b.tlsTime}`;
        if (s.resultHash !== b.attestation.resultHash) return 'source.resultHash is not the attested one';
        const own = spec.records === 'array' ? (j.normalized as unknown[] | undefined)?.[r.index] : j.normalized;
        if (j.normalized === undefined || !same(s.value, own))
          return `source.value ${canonicalJson(s.value)} is not its bundle's normalized value`;
        return undefined;
      },
    );
  }

  const assigned = new Set(chain.assignment.provers);
  const included = new Set(chain.responses.filter((x) => x.included).map((x) => x.prover));
  const provers = r.sources.map((s) => s.prover.toLowerCase() as Address);
  runner.run(
    'sources',
    'REQUEST_MISMATCH',
    `${provers.length} distinct assigned sources, the hub's included set, at least the quorum (${chain.quorum})`,
    () => {
      if (new Set(provers).size !== provers.length) return 'a source is listed more than once';
      const stranger = provers.find((p) => !assigned.has(p));
      if (stranger) return `source ${stranger} is not an assigned prover of the request`;
      if (provers.length < chain.quorum) return `${provers.length} sources, the request's quorum is ${chain.quorum}`;
      if (provers.length !== included.size || provers.some((p) => !included.has(p)))
        return `the sources are not the ${included.size} responses the hub marked included`;
      return undefined;
    },
  );

  runner.run(
    'record-value',
    'VALUE_MISMATCH',
    `the value and sources are the ${spec.aggregation.policy} over the request's valid responses`,
    () => {
      const candidates = ev.responses.flatMap((x) =>
        x.verification?.ok && x.normalized !== undefined ? [{ prover: x.response.prover, value: x.normalized }] : [],
      );
      const outcome = aggregate(candidates, {
        policy: spec.aggregation,
        value: spec.value,
        records: spec.records,
        needed: chain.quorum,
      });
      if (!outcome.ok) return `the request's valid responses do not aggregate: ${outcome.reason}`;
      const expected = spec.records === 'array' ? (outcome.value as unknown[])[r.index] : outcome.value;
      if (spec.records === 'array' && r.index >= (outcome.value as unknown[]).length)
        return `index ${r.index} is past the ${(outcome.value as unknown[]).length} records of the request`;
      if (!same(expected, r.value))
        return `the valid responses give ${canonicalJson(expected)}, the record says ${canonicalJson(r.value)}`;
      const policySet = new Set(outcome.included.map((p) => p.toLowerCase()));
      if (policySet.size !== provers.length || provers.some((p) => !policySet.has(p)))
        return `the policy includes ${[...policySet].join(', ')}; the record lists ${provers.join(', ')}`;
      return undefined;
    },
  );
  return runner.finish();
}
