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
  const spec = await loadSpec(ctx.ipfs, request.specCid, request.specHash, undefined, request.deadline);
  return { request, spec, notary: assigned ? notary : undefined };
}
