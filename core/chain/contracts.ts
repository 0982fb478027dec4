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
import { VeritasError } from '../errors.ts';
import type { VeritasPublicClient, VeritasWalletClient } from './clients.ts';

export { exampleConsumerAbi, merkleVerifierAbi, operatorRegistryAbi, oracleHubAbi };

export type DeployVeritasOptions = {
  /** the account allowed to call fulfill; default: the deployer */
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

/** Deploys OperatorRegistry and OracleHub and wires the registry to the hub (the only slasher). */
export async function deployVeritas(
  walletClient: VeritasWalletClient,
  publicClient: VeritasPublicClient,
  options: DeployVeritasOptions = {},
): Promise<VeritasDeployment> {
  const clients = { walletClient, publicClient };
  try {
    const registry = await deployAndWait(clients, {
      abi: operatorRegistryAbi,
      bytecode: operatorRegistryBytecode,
      args: [options.minBond ?? parseEther('1'), BigInt(options.unbondDelay ?? 86_400)],
    });
    const hub = await deployAndWait(clients, {
      abi: oracleHubAbi,
      bytecode: oracleHubBytecode,
      args: [
        registry.address,
        options.aggregator ?? walletClient.account.address,
        options.slashBps ?? 5_000,
        options.reporterRewardBps ?? 5_000,
        options.callbackGasLimit ?? 200_000,
      ],
    });
    const hash = await walletClient.writeContract({
      address: registry.address,
      abi: operatorRegistryAbi,
      functionName: 'setHub',
      args: [hub.address],
    });
    await publicClient.waitForTransactionReceipt({ hash });
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

export type RequestDataParameters = {
  specHash: Hex;
  specCid: string;
  quorum: number;
  /** unix seconds; responses are accepted up to and including this time */
  deadline: bigint;
  /** wei escrowed as the fee */
  fee: bigint;
};

export type RequestDataResult = {
  requestId: Hex;
  seed: Hex;
  /**
   * The assigned committee: sampleSize(quorum, active operators) provers (core/chain/assignment.ts), more than
   * `quorum` so that fulfilment can leave out invalid or outlying responses; notaries[i] notarises provers[i].
   */
  provers: Address[];
  notaries: Address[];
  blockNumber: bigint;
  transactionHash: Hex;
};

/**
 * Sends OracleHub.request and returns the id and committee from its events. The request's gas depends slightly on
 * the block's randomness (the sampled committee takes different branches), so an estimate made against one block
 * can fall a few hundred gas short in the next: send with a 20% margin.
 */
export async function requestData(
  { walletClient, publicClient }: Clients,
  hub: Address,
  p: RequestDataParameters,
): Promise<RequestDataResult> {
  const call = {
    address: hub,
    abi: oracleHubAbi,
    functionName: 'request',
    args: [p.specHash, p.specCid, p.quorum, p.deadline],
    value: p.fee,
    account: walletClient.account,
  } as const;
  const gas = await publicClient.estimateContractGas(call);
  const transactionHash = await walletClient.writeContract({ ...call, gas: (gas * 12n) / 10n });
  const receipt = await publicClient.waitForTransactionReceipt({ hash: transactionHash });
  if (receipt.status !== 'success') {
    throw new VeritasError('CHAIN_ERROR', `request transaction reverted (tx ${transactionHash})`, {
      details: { transactionHash },
    });
  }
  const events = parseEventLogs({ abi: oracleHubAbi, logs: receipt.logs });
  const requested = events.find((e) => e.eventName === 'DataRequested');
  const assigned = events.find((e) => e.eventName === 'Assigned');
  if (requested?.eventName !== 'DataRequested' || assigned?.eventName !== 'Assigned') {
    throw new VeritasError('CHAIN_ERROR', `no DataRequested event in tx ${transactionHash}`);
  }
  return {
    requestId: requested.args.requestId,
    seed: requested.args.seed,
    provers: [...assigned.args.provers],
    notaries: [...assigned.args.notaries],
    blockNumber: receipt.blockNumber,
    transactionHash,
  };
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

/** The custom error name in a viem error (e.g. 'NotAssigned'), or undefined when it is not a decoded revert. */
export function revertErrorName(error: unknown): string | undefined {
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
