// What every part of one operator shares: its key, the chain and contracts, its IPFS node, database and MPC settings.
import type { Address, PrivateKeyAccount, ReadContractReturnType } from 'viem';
import { getOracleHub, getOperatorRegistry, type oracleHubAbi } from '../core/chain/contracts.ts';
import type { VeritasPublicClient, VeritasWalletClient } from '../core/chain/clients.ts';
import type { Database } from '../core/db/client.ts';
import { VeritasError } from '../core/errors.ts';
import type { IpfsNode } from '../core/ipfs.ts';
import type { Logger } from '../core/log.ts';
import { loadSpec } from '../core/spec.ts';
import { requestStatusOf } from '../core/verify/chain.ts';
import type { TrustMode } from '../schemas/bundle.ts';
import type { RequestSpec } from '../schemas/spec.ts';
import type { PartyTuning } from './tlsn/session.ts';
import type { Limiter } from './tlsn/limiter.ts';

export type OperatorContext = {
  account: PrivateKeyAccount;
  chainId: number;
  hub: Address;
  registry: Address;
  publicClient: VeritasPublicClient;
  walletClient: VeritasWalletClient;
  ipfs: IpfsNode;
  db: Database;
  /** The wasm to run: the package's (webpki) unless the devnet trust anchor is configured. */
  wasmPath: string | undefined;
  trust: TrustMode;
  tuning: PartyTuning | undefined;
  /**
   * Session slots, separate for each role: a verifier holds its slot while it waits for its prover, so provers and
   * verifiers drawing from one pool could fill it with waiting verifiers and stall every session.
   */
  limiters: { prover: Limiter; verifier: Limiter };
  log: Logger;
};

export const hubOf = (ctx: OperatorContext) => getOracleHub(ctx.hub, ctx);
export const registryOf = (ctx: OperatorContext) => getOperatorRegistry(ctx.registry, ctx);

/** OracleHub.getRequest as the contract returns it (core/verify/chain.ts's OnChainRequest is the full, named read). */
type HubRequest = ReadContractReturnType<typeof oracleHubAbi, 'getRequest'>;

/**
 * Reads a request, its spec (hash-checked) and the notary assigned to `prover` (undefined when not assigned).
 * A request that does not exist or is no longer pending is an error: nobody should work on it.
 */
export async function readRequest(
  ctx: OperatorContext,
  requestId: `0x${string}`,
  prover: Address,
): Promise<{ request: HubRequest; spec: RequestSpec; notary: Address | undefined }> {
  const hub = hubOf(ctx);
  const request = await hub.read.getRequest([requestId]);
  const status = requestStatusOf(request.status);
  if (status === 'none')
    throw new VeritasError('NOT_FOUND', `no request ${requestId} on OracleHub ${ctx.hub}`, { field: 'requestId' });
  if (status !== 'pending')
    throw new VeritasError('INPUT_INVALID', `request ${requestId} is no longer pending`, { field: 'requestId' });
  const [assigned, notary] = await hub.read.isAssigned([requestId, prover]);
  const spec = await loadRequestSpec(ctx, request);
  return { request, spec, notary: assigned ? notary : undefined };
}

/**
 * How long one attempt to fetch a spec may take. Specs are small (≤ 256 KiB) and pinned by the API that placed the
 * request, so a CID no connected peer serves within this is junk or not yet propagated (the job retries with backoff).
 * The aggregator gives up after the same 10 s.
 */
export const SPEC_FETCH_TIMEOUT_MS = 10_000;
const SPEC_CACHE_SIZE = 256;
// Per IPFS node (one per operator process): loads in flight are shared, and loaded specs are kept, so the scheduler's
// prefetch (operator/jobs.ts), the job itself and the notary side of the same request fetch and validate a spec once.
// Failures are not kept: the next attempt (after the job's backoff) fetches again.
const specCaches = new WeakMap<IpfsNode, Map<string, Promise<RequestSpec>>>();

/** The request's spec, hash-checked and validated (core/spec.ts loadSpec), fetched once per operator. */
export function loadRequestSpec(
  ctx: Pick<OperatorContext, 'ipfs'>,
  request: { specCid: string; specHash: `0x${string}`; deadline: bigint | number },
  signal?: AbortSignal,
): Promise<RequestSpec> {
  let cache = specCaches.get(ctx.ipfs);
  if (!cache) {
    cache = new Map();
    specCaches.set(ctx.ipfs, cache);
  }
  const key = `${request.specCid}|${request.specHash.toLowerCase()}|${request.deadline}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const loading = loadSpec(
    ctx.ipfs,
    request.specCid,
    request.specHash,
    SPEC_FETCH_TIMEOUT_MS,
    request.deadline,
    signal,
  );
  cache.set(key, loading);
  if (cache.size > SPEC_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  loading.catch(() => {
    if (cache.get(key) === loading) cache.delete(key);
  });
  return loading;
}
