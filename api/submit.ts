// Submitting an oracle request with the node key: pin the spec, check the fee against the balance, record the
// submission, send `OracleHub.request`, link the submission to its on-chain id; the unsigned variant; reconciliation.
import { randomUUID } from 'node:crypto';
import { and, asc, eq, isNotNull, notInArray } from 'drizzle-orm';
import { encodeFunctionData, formatEther, type Hex, InsufficientFundsError, BaseError } from 'viem';
import { hashJson } from '../core/canonical.ts';
import {
  operatorRegistryAbi,
  oracleHubAbi,
  requestData,
  requestParamsOf,
  revertErrorName,
} from '../core/chain/contracts.ts';
import type { VeritasWalletClient } from '../core/chain/clients.ts';
import type { Database } from '../core/db/client.ts';
import { requestEvents, requests, type SubmissionRow, submissions } from '../core/db/schema.ts';
import { VeritasError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { RequestSpec } from '../schemas/spec.ts';
import type { ApiDeps } from './deps.ts';

export type SubmitDeps = Pick<ApiDeps, 'db' | 'ipfs' | 'chain'> & { log: Logger };

export type Submitted = { submissionId: string; requestId: Hex; specHash: Hex; specCid: string; txHash: Hex };
export type Unsigned = {
  specHash: Hex;
  specCid: string;
  transaction: { to: Hex; data: Hex; value: string; chainId: number };
};

// Reverts the consumer can cause, named by the request field that causes them.
const REVERT_FIELDS: Record<string, string> = {
  DeadlineInPast: 'spec.deadline',
  DeadlineTooFar: 'spec.deadline',
  InvalidQuorum: 'spec.quorum',
  QuorumTooLarge: 'spec.quorum',
  InvalidPolicy: 'spec.aggregation',
  FeeTooLow: 'fee',
};

/**
 * The one place the request's contract arguments are built from a spec and a fee, for both the sent and the unsigned
 * transaction: when the hub's `request` signature changes, only this function changes.
 */
function requestCall(specHash: Hex, specCid: string, spec: RequestSpec, fee: bigint) {
  // hub v2: the policy travels on-chain beside quorum and deadline, so `fulfill` can check it (docs/PROTOCOL.md)
  return { specHash, specCid, params: requestParamsOf(spec), fee };
}

/** Sends `OracleHub.request` (nonces from the account's viem nonceManager); reverts mapped to the field at fault. */
async function sendRequest(deps: SubmitDeps, walletClient: VeritasWalletClient, call: ReturnType<typeof requestCall>) {
  try {
    // requestData sends with a gas margin: the request's gas depends on the next block's randomness
    return await requestData({ walletClient, publicClient: deps.chain.publicClient }, deps.chain.hubAddress, call);
  } catch (e) {
    // sendContractCall names the revert (a VeritasError with details.revert): map it to the field at fault first
    const name = revertErrorName(e);
    const field = name === undefined ? undefined : REVERT_FIELDS[name];
    if (field) throw new VeritasError('INPUT_INVALID', `the hub refused the request: ${name}`, { field, cause: e });
    const viem =
      e instanceof BaseError ? e : e instanceof VeritasError && e.cause instanceof BaseError ? e.cause : null;
    if (viem === null) throw e;
    if (viem.walk((x) => x instanceof InsufficientFundsError))
      throw new VeritasError('INPUT_INVALID', 'fee: the fee and gas exceed the balance of the node account', {
        field: 'fee',
        cause: e,
      });
    // the cause (a viem error) stays in the server log only: its message carries the RPC URL, key included
    throw new VeritasError('CHAIN_ERROR', `sending the request failed${name ? `: ${name}` : ''}; retry later`, {
      cause: e,
    });
  }
}

/** The least fee the hub accepts for `quorum` now: minFeePerProver × sampleSize(quorum, active operators). */
export async function minimumFee(deps: SubmitDeps, quorum: number): Promise<bigint> {
  const { publicClient, hubAddress } = deps.chain;
  const read = <T>(p: Promise<T>) =>
    p.catch((e: unknown) => {
      throw new VeritasError('CHAIN_ERROR', 'the chain could not be read for the minimum fee; retry later', {
        cause: e,
      });
    });
  const hub = { address: hubAddress, abi: oracleHubAbi } as const;
  const [floor, registry] = await Promise.all([
    read(publicClient.readContract({ ...hub, functionName: 'minFeePerProver' })),
    read(publicClient.readContract({ ...hub, functionName: 'registry' })),
  ]);
  const active = await read(
    publicClient.readContract({ address: registry, abi: operatorRegistryAbi, functionName: 'activeCount' }),
  );
  const drawn = await read(publicClient.readContract({ ...hub, functionName: 'sampleSize', args: [quorum, active] }));
  return floor * drawn;
}

/** Pins the spec and encodes the transaction for the caller to sign and send. */
export async function unsignedRequest(deps: SubmitDeps, spec: RequestSpec, fee: bigint): Promise<Unsigned> {
  const specHash = hashJson(spec);
  const specCid = await deps.ipfs.addJson(spec);
  const c = requestCall(specHash, specCid, spec, fee);
  const data = encodeFunctionData({
    abi: oracleHubAbi,
    functionName: 'request',
    args: [c.specHash, c.specCid, c.params],
  });
  return {
    specHash,
    specCid,
    transaction: { to: deps.chain.hubAddress, data, value: fee.toString(), chainId: deps.chain.chainId },
  };
}

/**
 * Sends a validated spec with the node key. The submission row is written before the transaction, so the database
 * never lacks a request the chain has (and a spec the database cannot store is refused before anything is paid); a
 * failure after sending leaves it `submitting`, and the indexer's `DataRequested` row reconciles it.
 */
export async function submitRequest(deps: SubmitDeps, spec: RequestSpec, fee: bigint): Promise<Submitted> {
  const walletClient = deps.chain.walletClient;
  if (walletClient === undefined) throw new VeritasError('INTERNAL', 'submitRequest needs the node key');
  const consumer = walletClient.account.address;
  const balance = await deps.chain.publicClient.getBalance({ address: consumer }).catch((e: unknown) => {
    throw new VeritasError('CHAIN_ERROR', 'the chain could not be read; retry later', { cause: e });
  });
  if (fee > balance)
    throw new VeritasError(
      'INPUT_INVALID',
      `fee: ${fee} wei exceeds the node account's balance of ${balance} wei (${formatEther(balance)} ETH); ` +
        'lower the fee, or fund the account, or send the unsigned transaction (?unsigned=true) from your own',
      { field: 'fee' },
    );
  const specHash = hashJson(spec);
  const specCid = await deps.ipfs.addJson(spec);
  const submissionId = randomUUID();
  await deps.db.insert(submissions).values({
    id: submissionId,
    consumer: consumer.toLowerCase(),
    specHash,
    specCid,
    spec,
    fee: fee.toString(),
  });
  let sent: Awaited<ReturnType<typeof requestData>>;
  try {
    sent = await sendRequest(deps, walletClient, requestCall(specHash, specCid, spec, fee));
  } catch (e) {
    // refused (reverted in simulation, or by the node) means nothing is on-chain; any other failure may have sent it
    const refused = e instanceof VeritasError && e.code === 'INPUT_INVALID';
    if (refused) {
      await deps.db
        .update(submissions)
        .set({ status: 'failed', errorCode: e.code })
        .where(eq(submissions.id, submissionId));
      throw e;
    }
    const err = e instanceof VeritasError ? e : new VeritasError('CHAIN_ERROR', 'sending the request failed');
    throw new VeritasError(
      err.code,
      `${err.message}; it may have been sent: GET /v1/submissions/${submissionId} links it to its request once indexed`,
      { cause: e, details: { submissionId } },
    );
  }
  const requestId = sent.requestId.toLowerCase() as Hex;
  const txHash = sent.transactionHash;
  // Recorded now, so the timeline shows the request before the indexer catches up; the indexer upserts the same row.
  await deps.db.transaction(async (tx) => {
    await tx.update(submissions).set({ status: 'sent', txHash, requestId }).where(eq(submissions.id, submissionId));
    await tx
      .insert(requests)
      .values({
        id: requestId,
        consumer: consumer.toLowerCase(),
        specHash,
        specCid,
        spec,
        quorum: spec.quorum,
        deadline: spec.deadline,
        fee: fee.toString(),
        txHash,
        blockNumber: Number(sent.blockNumber),
      })
      .onConflictDoNothing();
    await tx
      .insert(requestEvents)
      .values({ requestId, source: 'api', stage: 'requested', detail: { txHash, specCid } });
  });
  deps.log.info({ requestId, txHash, specCid, submissionId }, 'request sent');
  return { submissionId, requestId, specHash, specCid, txHash };
}

/**
 * A submission as it stands, reconciled first: one left `submitting` (the transaction went out but the API lost the
 * receipt, or died) is linked to the request the indexer mirrored from `DataRequested` for the same consumer and spec
 * hash, the oldest one no other submission claims. Undefined when the id is unknown.
 */
export async function reconcileSubmission(db: Database, id: string): Promise<SubmissionRow | undefined> {
  const [row] = await db.select().from(submissions).where(eq(submissions.id, id));
  if (row?.status !== 'submitting') return row;
  const claimed = db
    .select({ id: submissions.requestId })
    .from(submissions)
    .where(and(eq(submissions.consumer, row.consumer), isNotNull(submissions.requestId)));
  const [request] = await db
    .select()
    .from(requests)
    .where(
      and(eq(requests.consumer, row.consumer), eq(requests.specHash, row.specHash), notInArray(requests.id, claimed)),
    )
    .orderBy(asc(requests.createdAt))
    .limit(1);
  if (!request) return row;
  const [updated] = await db
    .update(submissions)
    .set({ status: 'sent', requestId: request.id, txHash: request.txHash })
    .where(and(eq(submissions.id, id), eq(submissions.status, 'submitting')))
    .returning();
  return updated ?? (await db.select().from(submissions).where(eq(submissions.id, id)))[0];
}
