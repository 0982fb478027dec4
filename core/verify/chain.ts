// Reads from the chain everything bundle verification compares against: the request, its committee, its responses.
// Only the RPC is trusted here.
//
// History stays checkable: the committee is the hub's snapshot taken at `assign`, drawn from the operators active in
// that block, so membership in it *is* registration as of the request. Today's registry is never consulted: a
// record stays verifiable after its prover and notary have unbonded and withdrawn.
import type { Address, Hex } from 'viem';
import { getOracleHub } from '../chain/contracts.ts';
import type { VeritasPublicClient } from '../chain/clients.ts';
import { VeritasError } from '../errors.ts';
import type { RequestSpec } from '../../schemas/spec.ts';
import { resultValidatorFor } from '../../schemas/validate.ts';
import type { BundleVerificationContext, OnChainResponse } from './bundle.ts';

/** OracleHub's RequestStatus by name: the index is the contract's enum value (IOracleHub.RequestStatus). */
export const REQUEST_STATUS = ['none', 'pending', 'fulfilled', 'expired'] as const;
export type OnChainRequestStatus = (typeof REQUEST_STATUS)[number];
/** The name of a status as the contract returns it (a value this code does not know reads as 'none'). */
export const requestStatusOf = (value: number): OnChainRequestStatus => REQUEST_STATUS[value] ?? 'none';

export type OnChainRequest = {
  chainId: number;
  hub: Address;
  requestId: Hex;
  consumer: Address;
  status: OnChainRequestStatus;
  quorum: number;
  /** IOracleHub.RequestParams.policy (core/chain/contracts.ts POLICY_CODES) and its parameters */
  policy: number;
  minAgreement: number;
  bandBps: number;
  deadline: number;
  createdAt: number;
  /** false until someone called `assign` */
  assigned: boolean;
  randomnessBlock: bigint;
  fee: bigint;
  specHash: Hex;
  specCid: string;
  merkleRoot: Hex;
  reportCid: string;
  /** the value hash the hub accepted at `fulfill` (zero before): every record's Merkle leaf commits it */
  valueHash: Hex;
  numericValue: bigint;
  challengeDeadline: number;
  challenged: boolean;
  assignment: { provers: Address[]; notaries: Address[] };
  responses: (OnChainResponse & { included: boolean; numericValue: bigint })[];
  /** Committee members as of the request (the hub's assignment snapshot), lowercase. */
  registered: Set<string>;
};

/** One consistent read of a request from OracleHub (and its operators from the registry). */
export async function readOnChainRequest(
  publicClient: VeritasPublicClient,
  hubAddress: Address,
  requestId: Hex,
): Promise<OnChainRequest> {
  const hub = getOracleHub(hubAddress, { publicClient });
  try {
    const [r, [provers, notaries], responses] = await Promise.all([
      hub.read.getRequest([requestId]),
      hub.read.assignment([requestId]),
      hub.read.responses([requestId]),
    ]);
    if (r.status === 0)
      throw new VeritasError('NOT_FOUND', `request ${requestId} does not exist on OracleHub ${hubAddress}`, {
        field: 'requestId',
      });
    const members = [...new Set([...provers, ...notaries].map((a) => a.toLowerCase() as Address))];
    return {
      chainId: publicClient.chain.id,
      hub: hubAddress.toLowerCase() as Address,
      requestId: requestId.toLowerCase() as Hex,
      consumer: r.consumer.toLowerCase() as Address,
      status: requestStatusOf(r.status),
      quorum: r.quorum,
      policy: r.policy,
      minAgreement: r.minAgreement,
      bandBps: r.bandBps,
      deadline: Number(r.deadline),
      createdAt: Number(r.createdAt),
      assigned: r.assigned,
      randomnessBlock: r.randomnessBlock,
      fee: r.fee,
      specHash: r.specHash,
      specCid: r.specCid,
      merkleRoot: r.merkleRoot,
      reportCid: r.reportCid,
      valueHash: r.valueHash,
      numericValue: r.numericValue,
      challengeDeadline: Number(r.challengeDeadline),
      challenged: r.challenged,
      assignment: {
        provers: provers.map((a) => a.toLowerCase() as Address),
        notaries: notaries.map((a) => a.toLowerCase() as Address),
      },
      responses: responses.map((x) => ({
        prover: x.prover.toLowerCase() as Address,
        notary: x.notary.toLowerCase() as Address,
        resultHash: x.resultHash,
        bundleCid: x.bundleCid,
        included: x.included,
        numericValue: x.numericValue,
      })),
      registered: new Set(members),
    };
  } catch (e) {
    if (e instanceof VeritasError) throw e;
    throw new VeritasError(
      'CHAIN_ERROR',
      `reading request ${requestId} from OracleHub failed: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/** The verification context of one response of `request` (pass `response` undefined to check a bare bundle). */
export function bundleContext(
  request: OnChainRequest,
  spec: RequestSpec,
  options: { acceptDevnetProofs: boolean; response?: OnChainResponse | undefined },
): BundleVerificationContext {
  return {
    chainId: request.chainId,
    hub: request.hub,
    requestId: request.requestId,
    spec,
    specCid: request.specCid,
    specHash: request.specHash,
    assignment: request.assignment,
    ...(options.response ? { response: options.response } : {}),
    isRegistered: (a) => request.registered.has(a.toLowerCase()),
    // the session must have happened while the request was open (a replayed or pre-computed one is refused)
    window: { createdAt: request.createdAt, deadline: request.deadline },
    acceptDevnetProofs: options.acceptDevnetProofs,
    resultValidator: resultValidatorFor(spec.resultSchema),
  };
}
