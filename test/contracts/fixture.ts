// Helpers of the contract tests: requests, responses, signatures and reverts over test/support/chain.ts's chain.
import assert from 'node:assert/strict';
import { type Address, type Hex, keccak256, type Log, parseEther, parseEventLogs, stringToBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type ContractAttestation, signAttestation } from '../../core/chain/attestation.ts';
import type { VeritasWalletClient } from '../../core/chain/clients.ts';
import { assignRequest, oracleHubAbi, requestData, revertErrorName } from '../../core/chain/contracts.ts';
import { type Chain, send, type Veritas } from '../support/chain.ts';

export { type Chain, deployFixture, send, startChain, type Veritas } from '../support/chain.ts';

/** Asserts the promise rejects with the named custom error. */
export async function expectRevert(promise: Promise<unknown>, errorName: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.equal(revertErrorName(e), errorName, `expected ${errorName}, got: ${(e as Error).message.split('\n')[0]}`);
    return true;
  });
}

export const specHashOf = (s: string): Hex => keccak256(stringToBytes(s));

export type RequestOptions = {
  quorum: number;
  fee?: bigint;
  ttl?: number;
  wallet?: VeritasWalletClient;
  spec?: string;
  /** 0 exact (default), 1 mode, 2 median, 3 median of arrays */
  policy?: number;
  minAgreement?: number;
  bandBps?: number;
  /** who calls `assign` (default: the reporter, a third party); false: nobody */
  assigner?: VeritasWalletClient | false;
};

/** Sends a request from `wallet`, has a third party assign it, and returns its id, seed and stored committee. */
export async function makeRequest(v: Veritas, p: RequestOptions) {
  const wallet = p.wallet ?? v.consumer;
  const block = await v.chain.publicClient.getBlock();
  const deadline = block.timestamp + BigInt(p.ttl ?? 600);
  const r = await requestData({ walletClient: wallet, publicClient: v.chain.publicClient }, v.hub, {
    specHash: specHashOf(p.spec ?? 'spec'),
    specCid: 'bafyspec',
    params: {
      quorum: p.quorum,
      policy: p.policy ?? 0,
      minAgreement: p.minAgreement ?? 0,
      bandBps: p.bandBps ?? 0,
      deadline,
    },
    fee: p.fee ?? parseEther('0.3'),
  });
  const receipt = await v.chain.publicClient.getTransactionReceipt({ hash: r.transactionHash });
  if (p.assigner === false)
    return {
      requestId: r.requestId,
      seed: undefined,
      deadline,
      receipt,
      provers: [] as Address[],
      notaries: [] as Address[],
    };
  const assigner = p.assigner ?? v.reporter;
  const a = await assignRequest({ walletClient: assigner, publicClient: v.chain.publicClient }, v.hub, r.requestId);
  assert.ok(a.committee, 'assigned');
  const [provers, notaries] = await v.chain.publicClient.readContract({
    address: v.hub,
    abi: oracleHubAbi,
    functionName: 'assignment',
    args: [r.requestId],
  });
  assert.deepEqual(
    [[...provers], [...notaries]],
    [a.committee.provers, a.committee.notaries],
    'stored assignment = Assigned event',
  );
  return {
    requestId: r.requestId,
    seed: a.committee.seed as Hex | undefined,
    deadline,
    receipt,
    provers: [...provers],
    notaries: [...notaries],
  };
}

export const walletOf = (v: Veritas, address: Address): VeritasWalletClient => {
  const w = v.chain.wallets.find((x) => x.account.address === address);
  assert.ok(w, `no wallet for ${address}`);
  return w;
};

export const resultHashOf = (result: string): Hex => keccak256(stringToBytes(result));

export function attestationFor(
  requestId: Hex,
  prover: Address,
  notary: Address,
  result = 'result',
  o: { numericValue?: bigint; spec?: string; specHash?: Hex } = {},
): ContractAttestation {
  return {
    requestId,
    specHash: o.specHash ?? specHashOf(o.spec ?? 'spec'),
    prover,
    notary,
    trust: 1,
    serverNameHash: keccak256(stringToBytes('api.example.test')),
    tlsTime: 1_700_000_000n,
    sentHash: keccak256(stringToBytes('sent')),
    recvHash: keccak256(stringToBytes(`recv:${result}`)),
    resultHash: resultHashOf(result),
    numericValue: o.numericValue ?? 0n,
  };
}

export async function signAs(v: Veritas, signer: Address, att: ContractAttestation): Promise<Hex> {
  const key = v.chain.keyOf.get(signer);
  assert.ok(key, `no key for ${signer}`);
  return signAttestation(privateKeyToAccount(key), v.domain, att);
}

/** The assigned prover i responds with an attestation signed by its notary. */
export async function respond(
  v: Veritas,
  requestId: Hex,
  prover: Address,
  notary: Address,
  result = 'result',
  o: { numericValue?: bigint } = {},
) {
  const request = await v.chain.publicClient.readContract({
    address: v.hub,
    abi: oracleHubAbi,
    functionName: 'getRequest',
    args: [requestId],
  });
  const att = { ...attestationFor(requestId, prover, notary, result, o), specHash: request.specHash };
  const sig = await signAs(v, notary, att);
  return send(v.chain, walletOf(v, prover), {
    address: v.hub,
    abi: oracleHubAbi,
    functionName: 'respond',
    args: [requestId, `bafybundle-${prover}`, att, sig],
  });
}

export async function timeTravel(chain: Chain, seconds: number): Promise<void> {
  await chain.testClient.increaseTime({ seconds });
  await chain.testClient.mine({ blocks: 1 });
}

/** The request id and committee from a receipt that contains DataRequested (a request sent through a contract). */
export async function requestFromReceipt(v: Veritas, receipt: { logs: Log[] }) {
  const events = parseEventLogs({ abi: oracleHubAbi, logs: receipt.logs, eventName: 'DataRequested' });
  assert.equal(events.length, 1);
  const requestId = events[0]!.args.requestId;
  await assignRequest({ walletClient: v.reporter, publicClient: v.chain.publicClient }, v.hub, requestId);
  const [provers, notaries] = await v.chain.publicClient.readContract({
    address: v.hub,
    abi: oracleHubAbi,
    functionName: 'assignment',
    args: [requestId],
  });
  return { requestId, deadline: events[0]!.args.params.deadline, provers: [...provers], notaries: [...notaries] };
}

/** All assigned provers respond with the same result. */
export async function respondAll(v: Veritas, r: { requestId: Hex; provers: Address[]; notaries: Address[] }) {
  for (let i = 0; i < r.provers.length; i++) await respond(v, r.requestId, r.provers[i]!, r.notaries[i]!);
}

export const fulfill = (
  v: Veritas,
  requestId: Hex,
  included: Address[],
  from?: VeritasWalletClient,
  gas?: bigint,
  o: { valueHash?: Hex; root?: Hex; recordCount?: number } = {},
) =>
  send(v.chain, from ?? v.aggregator, {
    address: v.hub,
    abi: oracleHubAbi,
    functionName: 'fulfill',
    args: [
      requestId,
      o.root ?? keccak256(stringToBytes(`root:${requestId}`)),
      'bafyreport',
      included,
      o.valueHash ?? resultHashOf('result'),
      o.recordCount ?? 1,
    ],
    ...(gas === undefined ? {} : { gas }),
  });

export const balanceIn = (v: Veritas, account: Address) =>
  v.chain.publicClient.readContract({ address: v.hub, abi: oracleHubAbi, functionName: 'balanceOf', args: [account] });
