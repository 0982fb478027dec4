// Deploys the Veritas contracts and hands out typed viem contract instances, plus revert-error decoding.
import {
  type Abi,
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  getAddress,
  getContract,
  type Hex,
  parseEther,
  parseEventLogs,
  type TransactionReceipt,
} from 'viem';
import {
  exampleConsumerAbi,
  exampleConsumerBytecode,
  merkleVerifierAbi,
  operatorRegistryAbi,
  operatorRegistryBytecode,
  oracleHubAbi,
  oracleHubBytecode,
} from '../../oracle-contracts/generated/artifacts.ts';
import { type ErrorCode, VeritasError } from '../errors.ts';
import type { RequestSpec } from '../../schemas/spec.ts';
import type { VeritasPublicClient, VeritasWalletClient } from './clients.ts';

export { exampleConsumerAbi, merkleVerifierAbi, operatorRegistryAbi, oracleHubAbi };

export type DeployVeritasOptions = {
  /** the genesis aggregator (enabled without delay, bonded by the deployer); default: the deployer */
  aggregator?: Address;
  /** minimum operator bond in wei; default 1 ether */
  minBond?: bigint;
  /** seconds between requestUnbond and withdrawBond; default 1 day */
  unbondDelay?: number;
  /** share of a notary's bond slashed on equivocation, in basis points; default 5000 (half) */
  slashBps?: number;
  /** share of the slashed amount paid to the reporter, in basis points; default 5000 (half) */
  reporterRewardBps?: number;
  /** gas forwarded to a consumer's onVeritasFulfilled; default 200000 */
  callbackGasLimit?: number;
  /** blocks between a request and the block whose hash draws its committee; default 0 (the request's own block) */
  assignDelay?: number;
  /** longest deadline a request may set, seconds from now; default 6 h */
  maxDeadlineWindow?: number;
  /** seconds after fulfilment during which the aggregator's root can be challenged; default 1 h */
  challengeWindow?: number;
  /** seconds between proposing and activating an aggregator change; default 1 day */
  aggregatorDelay?: number;
  /** fee floor per sampled prover, wei; default 0 */
  minFeePerProver?: bigint;
  /** smallest bond an aggregator may fulfil with, wei; default 1 ether */
  minAggregatorBond?: bigint;
  /** bond the deployer posts for the genesis aggregator; default minAggregatorBond */
  aggregatorBond?: bigint;
};

export type VeritasDeployment = {
  registry: Address;
  hub: Address;
  /** block of the hub's deployment: where event scans start */
  deployBlock: bigint;
  chainId: number;
};

type Clients = { walletClient: VeritasWalletClient; publicClient: VeritasPublicClient };

/** Deploys a contract and waits for its receipt; CHAIN_ERROR when it reverts or has no address. */
export async function deployAndWait(
  { walletClient, publicClient }: Clients,
  parameters: { abi: Abi; bytecode: Hex; args?: readonly unknown[] },
): Promise<{ address: Address; blockNumber: bigint }> {
  const hash = await walletClient.deployContract(parameters as Parameters<VeritasWalletClient['deployContract']>[0]);
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || !receipt.contractAddress) {
    throw new VeritasError('CHAIN_ERROR', `contract deployment reverted (tx ${hash})`, { details: { hash } });
  }
  return { address: getAddress(receipt.contractAddress), blockNumber: receipt.blockNumber };
}

/**
 * Deploys OperatorRegistry and OracleHub, wires the registry to the hub (the only slasher) and bonds the genesis
 * aggregator. The registry's unbond delay must cover maxDeadlineWindow + challengeWindow (the hub checks).
 */
export async function deployVeritas(
  walletClient: VeritasWalletClient,
  publicClient: VeritasPublicClient,
  options: DeployVeritasOptions = {},
): Promise<VeritasDeployment> {
  const clients = { walletClient, publicClient };
  const minAggregatorBond = options.minAggregatorBond ?? parseEther('1');
  try {
    const registry = await deployAndWait(clients, {
      abi: operatorRegistryAbi,
      bytecode: operatorRegistryBytecode,
      args: [options.minBond ?? parseEther('1'), BigInt(options.unbondDelay ?? 86_400)],
    });
    const aggregator = options.aggregator ?? walletClient.account.address;
    const hub = await deployAndWait(clients, {
      abi: oracleHubAbi,
      bytecode: oracleHubBytecode,
      args: [
        registry.address,
        aggregator,
        {
          slashBps: options.slashBps ?? 5_000,
          reporterRewardBps: options.reporterRewardBps ?? 5_000,
          callbackGasLimit: options.callbackGasLimit ?? 200_000,
          assignDelay: options.assignDelay ?? 0,
          maxDeadlineWindow: BigInt(options.maxDeadlineWindow ?? 6 * 3600),
          challengeWindow: BigInt(options.challengeWindow ?? 3600),
          aggregatorDelay: BigInt(options.aggregatorDelay ?? 86_400),
          minFeePerProver: options.minFeePerProver ?? 0n,
          minAggregatorBond,
        },
      ],
    });
    await sendContractCall(clients, {
      address: registry.address,
      abi: operatorRegistryAbi,
      functionName: 'setHub',
      args: [hub.address],
    });
    const bond = options.aggregatorBond ?? minAggregatorBond;
    if (bond > 0n)
      await sendContractCall(clients, {
        address: hub.address,
        abi: oracleHubAbi,
        functionName: 'bondAggregator',
        args: [aggregator],
        value: bond,
      });
    return {
      registry: registry.address,
      hub: hub.address,
      deployBlock: hub.blockNumber,
      chainId: publicClient.chain.id,
    };
  } catch (cause) {
    if (cause instanceof VeritasError) throw cause;
    throw new VeritasError('CHAIN_ERROR', `deploying the Veritas contracts failed: ${shortMessage(cause)}`, { cause });
  }
}

/** Deploys the example consumer (tests, demos) bound to `hub`; the deployer is its owner. */
export async function deployExampleConsumer(clients: Clients, hub: Address): Promise<Address> {
  return (await deployAndWait(clients, { abi: exampleConsumerAbi, bytecode: exampleConsumerBytecode, args: [hub] }))
    .address;
}

/** IOracleHub.RequestParams.policy */
export const POLICY_CODES = { exact: 0, mode: 1, median: 2, medianOfArrays: 3 } as const;

export type RequestParams = { quorum: number; policy: number; minAgreement: number; bandBps: number; deadline: bigint };

/** The on-chain request parameters a spec implies (docs/PROTOCOL.md): what `request` is sent with. */
export function requestParamsOf(spec: RequestSpec): RequestParams {
  const a = spec.aggregation;
  const policy =
    a.policy === 'exact'
      ? POLICY_CODES.exact
      : a.policy === 'mode'
        ? POLICY_CODES.mode
        : spec.records === 'array'
          ? POLICY_CODES.medianOfArrays
          : POLICY_CODES.median;
  return {
    quorum: spec.quorum,
    policy,
    minAgreement: a.policy === 'mode' ? a.minAgreement : 0,
    bandBps: a.policy === 'median' ? Math.round(a.band * 10_000) : 0,
    deadline: BigInt(spec.deadline),
  };
}

/**
 * Whether a request's on-chain parameters are the ones its spec implies. A mismatch is an invalid request:
 * operators never answer it and the aggregator lets it expire (refundable), since the hub would check the wrong
 * policy at fulfilment.
 */
export function paramsMatchSpec(
  onChain: { quorum: number; policy: number; minAgreement: number; bandBps: number; deadline: bigint | number },
  spec: RequestSpec,
): boolean {
  const want = requestParamsOf(spec);
  return (
    onChain.quorum === want.quorum &&
    onChain.policy === want.policy &&
    onChain.minAgreement === want.minAgreement &&
    onChain.bandBps === want.bandBps &&
    BigInt(onChain.deadline) === want.deadline
  );
}

export type RequestDataParameters = {
  specHash: Hex;
  specCid: string;
  /** wei escrowed as the fee: at least minFeePerProver × sampleSize(quorum, active operators) */
  fee: bigint;
} & (
  | { params: RequestParams }
  | {
      /** shorthand for an `exact` request */
      quorum: number;
      /** unix seconds; responses are accepted up to and including this time */
      deadline: bigint;
    }
);

export type RequestDataResult = {
  requestId: Hex;
  /** `assign` may draw the committee once block.number > randomnessBlock */
  randomnessBlock: bigint;
  blockNumber: bigint;
  transactionHash: Hex;
};

/** Sends OracleHub.request and returns the id from its DataRequested event. No committee yet: see assignRequest. */
export async function requestData(
  clients: Clients,
  hub: Address,
  p: RequestDataParameters,
): Promise<RequestDataResult> {
  const params =
    'params' in p
      ? p.params
      : { quorum: p.quorum, policy: POLICY_CODES.exact, minAgreement: 0, bandBps: 0, deadline: p.deadline };
  const receipt = await sendContractCall(clients, {
    address: hub,
    abi: oracleHubAbi,
    functionName: 'request',
    args: [p.specHash, p.specCid, params],
    value: p.fee,
  });
  const requested = parseEventLogs({ abi: oracleHubAbi, logs: receipt.logs, eventName: 'DataRequested' })[0];
  if (!requested) throw new VeritasError('CHAIN_ERROR', `no DataRequested event in tx ${receipt.transactionHash}`);
  return {
    requestId: requested.args.requestId,
    randomnessBlock: requested.args.randomnessBlock,
    blockNumber: receipt.blockNumber,
    transactionHash: receipt.transactionHash,
  };
}

export type AssignResult = {
  /** undefined when the randomness block had aged out and the request was retargeted (call again later) */
  committee?: { provers: Address[]; notaries: Address[]; seed: Hex };
  transactionHash?: Hex;
};

/**
 * Sends OracleHub.assign(requestId) when it is due. Anyone may, and the first wins: an `AlreadyAssigned` revert
 * means someone else drew the committee, which is read back from the hub. Throws the mapped revert otherwise
 * (e.g. AssignmentNotReady before block.number > randomnessBlock).
 */
export async function assignRequest(clients: Clients, hub: Address, requestId: Hex): Promise<AssignResult> {
  try {
    const receipt = await sendContractCall(clients, {
      address: hub,
      abi: oracleHubAbi,
      functionName: 'assign',
      args: [requestId],
    });
    const assigned = parseEventLogs({ abi: oracleHubAbi, logs: receipt.logs, eventName: 'Assigned' })[0];
    if (!assigned) return { transactionHash: receipt.transactionHash };
    return {
      committee: {
        provers: [...assigned.args.provers],
        notaries: [...assigned.args.notaries],
        seed: assigned.args.seed,
      },
      transactionHash: receipt.transactionHash,
    };
  } catch (e) {
    if (revertErrorName(e) !== 'AlreadyAssigned') throw e;
    const h = getOracleHub(hub, clients);
    const [[provers, notaries], r] = await Promise.all([
      h.read.assignment([requestId]),
      h.read.getRequest([requestId]),
    ]);
    return { committee: { provers: [...provers], notaries: [...notaries], seed: r.seed } };
  }
}

/**
 * Assigns `requestId` as soon as it is due: waits (polling the head) until block.number > randomnessBlock, then
 * assignRequest; retries once per block while the randomness block is not yet mined. For callers that must see the
 * committee (tests, the CLI); the aggregator assigns from its own pass instead.
 */
export async function assignWhenDue(
  clients: Clients,
  hub: Address,
  requestId: Hex,
  o: { maxBlocks?: number } = {},
): Promise<NonNullable<AssignResult['committee']>> {
  const h = getOracleHub(hub, clients);
  for (let tries = 0; tries < (o.maxBlocks ?? 600); tries++) {
    const r = await h.read.getRequest([requestId]);
    if (r.assigned) {
      const [provers, notaries] = await h.read.assignment([requestId]);
      return { provers: [...provers], notaries: [...notaries], seed: r.seed };
    }
    const head = await clients.publicClient.getBlockNumber({ cacheTime: 0 });
    if (head + 1n > r.randomnessBlock) {
      try {
        const a = await assignRequest(clients, hub, requestId);
        if (a.committee) return a.committee;
      } catch (e) {
        if (revertErrorName(e) !== 'AssignmentNotReady') throw e;
      }
    }
    await new Promise<void>((resolve) => {
      const unwatch = clients.publicClient.watchBlockNumber({
        emitOnBegin: false,
        onBlockNumber: (n) => {
          if (n > head) {
            unwatch();
            resolve();
          }
        },
      });
    });
  }
  throw new VeritasError('TIMEOUT', `request ${requestId} was not assignable within ${o.maxBlocks ?? 600} blocks`);
}

/** A contract write as viem's writeContract takes it (the ABI typed by the caller; checked by simulation here). */
export type ContractCall = {
  address: Address;
  abi: Abi;
  functionName: string;
  args?: readonly unknown[];
  value?: bigint;
  gas?: bigint;
};

/** What a revert means to the caller: its stable code and, where the input is to blame, the field. */
const REVERT_CODES: Record<string, ErrorCode> = {
  NotAssigned: 'NOT_ASSIGNED',
  WrongNotary: 'NOT_ASSIGNED',
  DeadlinePassed: 'DEADLINE_PASSED',
  BadNotarySignature: 'BAD_SIGNATURE',
  InvalidQuorum: 'INPUT_INVALID',
  InvalidPolicy: 'INPUT_INVALID',
  QuorumTooLarge: 'INPUT_INVALID',
  DeadlineInPast: 'INPUT_INVALID',
  DeadlineTooFar: 'INPUT_INVALID',
  FeeTooLow: 'INPUT_INVALID',
  UnknownRequest: 'NOT_FOUND',
};

/** 25 % over an estimate (unused gas is not charged), and at least 30 k: enough for a few cold SSTOREs. */
export const withGasHeadroom = (estimate: bigint): bigint =>
  estimate + (estimate / 4n > 30_000n ? estimate / 4n : 30_000n);

/**
 * The one way this code base sends a transaction: simulate (a revert surfaces here, decoded, before any gas is
 * spent), estimate with headroom, write, wait for the receipt and check its status. A revert becomes a VeritasError
 * whose `details.revert` is the custom error's name (`revertErrorName` reads it back) and whose code says what it means.
 */
export async function sendContractCall(clients: Clients, call: ContractCall): Promise<TransactionReceipt> {
  const { walletClient, publicClient } = clients;
  let request: Parameters<VeritasWalletClient['writeContract']>[0];
  try {
    // against the pending block: the block the transaction will land in (assign is due only after randomnessBlock)
    const simulated = await publicClient.simulateContract({
      ...call,
      account: walletClient.account,
      blockTag: 'pending',
    } as never);
    request = simulated.request as never;
  } catch (cause) {
    const revert = revertErrorName(cause);
    if (revert === undefined)
      throw new VeritasError('CHAIN_ERROR', `${call.functionName}: ${shortMessage(cause)}`, {
        cause,
      });
    throw new VeritasError(REVERT_CODES[revert] ?? 'CHAIN_ERROR', `${call.functionName} reverted: ${revert}`, {
      cause,
      details: { revert, functionName: call.functionName },
    });
  }
  let hash: Hex;
  try {
    // An estimate is the least gas that succeeded against the pending block; the mined block may differ (its
    // timestamp decides e.g. whether fulfill writes the aggregator's lastChallengeDeadline), and fulfill's consumer
    // callback reverts the whole call below its gas cap (InsufficientCallbackGas). So estimates get headroom.
    const gas = call.gas ?? withGasHeadroom(await publicClient.estimateContractGas(request as never));
    hash = await walletClient.writeContract({ ...(request as object), gas } as Parameters<
      VeritasWalletClient['writeContract']
    >[0]);
  } catch (cause) {
    throw new VeritasError('CHAIN_ERROR', `sending ${call.functionName} failed: ${shortMessage(cause)}`, {
      cause,
    });
  }
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success')
    throw new VeritasError('CHAIN_ERROR', `${call.functionName} reverted on-chain (tx ${hash})`, {
      details: { transactionHash: hash, functionName: call.functionName },
    });
  return receipt;
}

type ReadClients = { publicClient: VeritasPublicClient; walletClient?: VeritasWalletClient };

/** Typed OracleHub: `hub.read.getRequest([id])`, `hub.write.respond([...])`, `hub.watchEvent.DataRequested(...)`. */
export const getOracleHub = (address: Address, { publicClient, walletClient }: ReadClients) =>
  getContract({
    address,
    abi: oracleHubAbi,
    client: walletClient ? { public: publicClient, wallet: walletClient } : publicClient,
  });

export const getOperatorRegistry = (address: Address, { publicClient, walletClient }: ReadClients) =>
  getContract({
    address,
    abi: operatorRegistryAbi,
    client: walletClient ? { public: publicClient, wallet: walletClient } : publicClient,
  });

/** Every custom error the Veritas contracts can revert with (hub, registry, reentrancy guard). */
export const veritasErrorsAbi = [...oracleHubAbi, ...operatorRegistryAbi].filter((item) => item.type === 'error');

/**
 * The custom error name (e.g. 'NotAssigned') in a viem error or in a VeritasError from sendContractCall, or
 * undefined when it is not a decoded revert.
 */
export function revertErrorName(error: unknown): string | undefined {
  if (error instanceof VeritasError) {
    if (typeof error.details?.revert === 'string') return error.details.revert;
    return error.cause === undefined ? undefined : revertErrorName(error.cause);
  }
  if (!(error instanceof BaseError)) return undefined;
  const revert = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (revert instanceof ContractFunctionRevertedError) {
    if (revert.data?.errorName) return revert.data.errorName;
    if (revert.raw) return decodeRevertData(revert.raw);
  }
  return undefined;
}

/** Decodes raw revert bytes (e.g. caught by a contract) against the Veritas errors; undefined when unknown. */
export function decodeRevertData(data: Hex): string | undefined {
  try {
    return decodeErrorResult({ abi: veritasErrorsAbi, data }).errorName;
  } catch {
    return undefined;
  }
}

const shortMessage = (e: unknown): string =>
  e instanceof BaseError ? e.shortMessage : e instanceof Error ? e.message : String(e);
