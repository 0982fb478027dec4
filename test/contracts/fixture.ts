// Helpers of the contract tests: requests, responses, signatures and reverts over test/support/chain.ts's chain.
import assert from 'node:assert/strict';
import { type Address, type Hex, keccak256, type Log, parseEther, parseEventLogs, stringToBytes } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type ContractAttestation, signAttestation } from '../../core/chain/attestation.ts';
import type { VeritasWalletClient } from '../../core/chain/clients.ts';
import { oracleHubAbi, requestData, revertErrorName } from '../../core/chain/contracts.ts';
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

/** Sends a request from `wallet` and returns its id, seed and assignment as stored on-chain. */
export async function makeRequest(
  v: Veritas,
  p: { quorum: number; fee?: bigint; ttl?: number; wallet?: VeritasWalletClient; spec?: string },
) {
  const wallet = p.wallet ?? v.consumer;
  const block = await v.chain.publicClient.getBlock();
  const deadline = block.timestamp + BigInt(p.ttl ?? 600);
  const r = await requestData({ walletClient: wallet, publicClient: v.chain.publicClient }, v.hub, {
    specHash: specHashOf(p.spec ?? 'spec'),
    specCid: 'bafyspec',
    quorum: p.quorum,
    deadline,
    fee: p.fee ?? parseEther('0.3'),
  });
  const receipt = await v.chain.publicClient.getTransactionReceipt({ hash: r.transactionHash });
  const [provers, notaries] = await v.chain.publicClient.readContract({
    address: v.hub,
    abi: oracleHubAbi,
    functionName: 'assignment',
    args: [r.requestId],
  });
  assert.deepEqual([[...provers], [...notaries]], [r.provers, r.notaries], 'stored assignment = Assigned event');
  const { requestId, seed } = r;
  return { requestId, seed, deadline, receipt, provers: [...provers], notaries: [...notaries] };
}

export const walletOf = (v: Veritas, address: Address): VeritasWalletClient => {
  const w = v.chain.wallets.find((x) => x.account.address === address);
  assert.ok(w, `no wallet for ${address}`);
  return w;
};

export function attestationFor(
  requestId: Hex,
  prover: Address,
  notary: Address,
  result = 'result',
): ContractAttestation {
  return {
    requestId,
    prover,
    notary,
    serverNameHash: keccak256(stringToBytes('api.example.test')),
    tlsTime: 1_700_000_000n,
    sentHash: keccak256(stringToBytes('sent')),
    recvHash: keccak256(stringToBytes(`recv:${result}`)),
    resultHash: keccak256(stringToBytes(result)),
  };
}

export async function signAs(v: Veritas, signer: Address, att: ContractAttestation): Promise<Hex> {
  const key = v.chain.keyOf.get(signer);
  assert.ok(key, `no key for ${signer}`);
  return signAttestation(privateKeyToAccount(key), v.domain, att);
}

/** The assigned prover i responds with an attestation signed by its notary. */
export async function respond(v: Veritas, requestId: Hex, prover: Address, notary: Address, result = 'result') {
  const att = attestationFor(requestId, prover, notary, result);
  const sig = await signAs(v, notary, att);
  return send(v.chain, walletOf(v, prover), {
    address: v.hub,
    abi: oracleHubAbi,
    functionName: 'respond',
    args: [requestId, att.resultHash, `bafybundle-${prover}`, att, sig],
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
  const [provers, notaries] = await v.chain.publicClient.readContract({
    address: v.hub,
    abi: oracleHubAbi,
    functionName: 'assignment',
    args: [requestId],
  });
  return { requestId, deadline: events[0]!.args.deadline, provers: [...provers], notaries: [...notaries] };
}

/** All assigned provers respond with the same result. */
export async function respondAll(v: Veritas, r: { requestId: Hex; provers: Address[]; notaries: Address[] }) {
  for (let i = 0; i < r.provers.length; i++) await respond(v, r.requestId, r.provers[i]!, r.notaries[i]!);
}

export const fulfill = (v: Veritas, requestId: Hex, included: Address[], from?: VeritasWalletClient, gas?: bigint) =>
  send(v.chain, from ?? v.aggregator, {
    address: v.hub,
    abi: oracleHubAbi,
    functionName: 'fulfill',
    args: [requestId, keccak256(stringToBytes(`root:${requestId}`)), 'bafyreport', included],
    ...(gas === undefined ? {} : { gas }),
  });

export const balanceIn = (v: Veritas, account: Address) =>
  v.chain.publicClient.readContract({ address: v.hub, abi: oracleHubAbi, functionName: 'balanceOf', args: [account] });
