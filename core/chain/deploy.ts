// Deploying Veritas to any chain as `veritas deploy` does: estimate every step before sending, deploy through
// deployVeritas (plus the DatasetRegistry), describe the result as a deployment file, and check one against a chain.
import {
  type Abi,
  type Address,
  encodeDeployData,
  encodeFunctionData,
  getContractAddress,
  type Hex,
  keccak256,
  type StateOverride,
} from 'viem';
import {
  datasetRegistryAbi,
  datasetRegistryBytecode,
  operatorRegistryAbi,
  operatorRegistryBytecode,
  oracleHubAbi,
  oracleHubBytecode,
  solcVersion,
} from '../../oracle-contracts/generated/artifacts.ts';
import { hashJson } from '../canonical.ts';
import { VeritasError } from '../errors.ts';
import type { VeritasPublicClient, VeritasWalletClient } from './clients.ts';
import { deployAndWait, deployVeritas } from './contracts.ts';
import type { ContractName, DeploymentFile, DeploymentParameters } from './deployment-file.ts';

type Clients = { walletClient: VeritasWalletClient; publicClient: VeritasPublicClient };

/** The build each contract is deployed from: its ABI and creation bytecode (hashed into the file). */
const ARTIFACTS: Record<ContractName, { abi: Abi; bytecode: Hex }> = {
  OperatorRegistry: { abi: operatorRegistryAbi, bytecode: operatorRegistryBytecode },
  OracleHub: { abi: oracleHubAbi, bytecode: oracleHubBytecode },
  DatasetRegistry: { abi: datasetRegistryAbi, bytecode: datasetRegistryBytecode },
};

const abiHashOf = (name: ContractName): Hex => hashJson(ARTIFACTS[name].abi);
const bytecodeHashOf = (name: ContractName): Hex => keccak256(ARTIFACTS[name].bytecode);

/** Everything a deployment takes, as numbers and wei (DeploymentParameters is its file form). */
export type DeployParameters = {
  minBond: bigint;
  unbondDelay: number;
  slashBps: number;
  reporterRewardBps: number;
  callbackGasLimit: number;
  assignDelay: number;
  maxDeadlineWindow: number;
  challengeWindow: number;
  aggregatorDelay: number;
  minFeePerProver: bigint;
  minAggregatorBond: bigint;
  aggregator: Address;
  aggregatorBond: bigint;
  /** undefined: no DatasetRegistry */
  pokeTip: bigint | undefined;
};

/** The checks the constructors make, up front, naming the flag (a revert would only say InvalidParameter). */
export function checkParameters(p: DeployParameters): void {
  const bad = (field: string, why: string) => {
    throw new VeritasError('INPUT_INVALID', `--${field}: ${why}`, { field: `--${field}` });
  };
  if (p.slashBps === 0 || p.slashBps > 10_000) bad('slash-bps', 'must be 1 to 10000');
  if (p.reporterRewardBps > 10_000) bad('reporter-reward-bps', 'must be at most 10000');
  if (p.maxDeadlineWindow === 0) bad('max-deadline-window', 'must be positive');
  if (p.challengeWindow === 0) bad('challenge-window', 'must be positive');
  if (p.assignDelay > 0xffff) bad('assign-delay', 'must fit in 16 bits (at most 65535 blocks)');
  if (p.unbondDelay < p.maxDeadlineWindow + p.challengeWindow)
    bad(
      'unbond-delay',
      `must be at least --max-deadline-window + --challenge-window (${p.maxDeadlineWindow + p.challengeWindow} s): ` +
        'an operator must not leave before its last assignment can be challenged',
    );
  if (p.aggregatorBond < p.minAggregatorBond && p.aggregatorBond !== 0n)
    bad('aggregator-bond', 'must be 0 or at least --min-aggregator-bond');
}

export const fileParameters = (p: DeployParameters): DeploymentParameters => ({
  minBond: p.minBond.toString(),
  unbondDelay: p.unbondDelay,
  slashBps: p.slashBps,
  reporterRewardBps: p.reporterRewardBps,
  callbackGasLimit: p.callbackGasLimit,
  assignDelay: p.assignDelay,
  maxDeadlineWindow: p.maxDeadlineWindow,
  challengeWindow: p.challengeWindow,
  aggregatorDelay: p.aggregatorDelay,
  minFeePerProver: p.minFeePerProver.toString(),
  minAggregatorBond: p.minAggregatorBond.toString(),
  aggregator: p.aggregator,
  aggregatorBond: p.aggregatorBond.toString(),
  ...(p.pokeTip === undefined ? {} : { pokeTip: p.pokeTip.toString() }),
});

const hubConfig = (p: DeployParameters) => ({
  slashBps: p.slashBps,
  reporterRewardBps: p.reporterRewardBps,
  callbackGasLimit: p.callbackGasLimit,
  assignDelay: p.assignDelay,
  maxDeadlineWindow: BigInt(p.maxDeadlineWindow),
  challengeWindow: BigInt(p.challengeWindow),
  aggregatorDelay: BigInt(p.aggregatorDelay),
  minFeePerProver: p.minFeePerProver,
  minAggregatorBond: p.minAggregatorBond,
});

export type DeployStep = { step: string; gas: bigint | undefined };

/**
 * The gas of every transaction a deployment sends, estimated before any is sent. Later steps call contracts that do
 * not exist yet: each is estimated against the chain with the earlier contracts' runtime code put at their future
 * addresses (eth_call state overrides; the code comes from running the constructor in an eth_call). A node without
 * state overrides gets `undefined` for those steps.
 */
export async function estimateDeployment({ walletClient, publicClient }: Clients, p: DeployParameters) {
  const account = walletClient.account;
  const nonce = await publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' });
  // Stand-in addresses, not the real future ones: an estimate of a creation from this account lands at the address
  // of its current nonce, which must not already hold overridden code (CreateCollision). Gas does not depend on them.
  const registryAddress = getContractAddress({ from: account.address, nonce: BigInt(nonce + 1000) });
  const hubAddress = getContractAddress({ from: account.address, nonce: BigInt(nonce + 1001) });
  const registryData = encodeDeployData({
    abi: operatorRegistryAbi,
    bytecode: operatorRegistryBytecode,
    args: [p.minBond, BigInt(p.unbondDelay)],
  });
  const hubData = encodeDeployData({
    abi: oracleHubAbi,
    bytecode: oracleHubBytecode,
    args: [registryAddress, p.aggregator, hubConfig(p)],
  });
  const runtime = async (data: Hex, stateOverride?: StateOverride) =>
    (await publicClient.call({ account, data, ...(stateOverride ? { stateOverride } : {}) })).data;
  const tryGas = async (f: () => Promise<bigint>) => {
    try {
      return await f();
    } catch {
      return undefined;
    }
  };
  const steps: DeployStep[] = [];
  steps.push({ step: 'deploy OperatorRegistry', gas: await publicClient.estimateGas({ account, data: registryData }) });
  const registryCode = await runtime(registryData).catch(() => undefined);
  const withRegistry: StateOverride = registryCode ? [{ address: registryAddress, code: registryCode }] : [];
  steps.push({
    step: 'deploy OracleHub',
    gas: registryCode
      ? await tryGas(() => publicClient.estimateGas({ account, data: hubData, stateOverride: withRegistry }))
      : undefined,
  });
  steps.push({
    step: 'OperatorRegistry.setHub',
    gas: registryCode
      ? await tryGas(() =>
          publicClient.estimateGas({
            account,
            to: registryAddress,
            data: encodeFunctionData({ abi: operatorRegistryAbi, functionName: 'setHub', args: [hubAddress] }),
            stateOverride: withRegistry,
          }),
        )
      : undefined,
  });
  if (p.aggregatorBond > 0n) {
    const hubCode = registryCode ? await runtime(hubData, withRegistry).catch(() => undefined) : undefined;
    steps.push({
      step: 'OracleHub.bondAggregator',
      gas: hubCode
        ? await tryGas(() =>
            publicClient.estimateGas({
              account,
              to: hubAddress,
              value: p.aggregatorBond,
              data: encodeFunctionData({ abi: oracleHubAbi, functionName: 'bondAggregator', args: [p.aggregator] }),
              stateOverride: [...withRegistry, { address: hubAddress, code: hubCode }],
            }),
          )
        : undefined,
    });
  }
  if (p.pokeTip !== undefined) {
    const data = encodeDeployData({
      abi: datasetRegistryAbi,
      bytecode: datasetRegistryBytecode,
      args: [hubAddress, p.pokeTip],
    });
    steps.push({
      step: 'deploy DatasetRegistry',
      gas: await tryGas(() => publicClient.estimateGas({ account, data })),
    });
  }
  return steps;
}

const codeHash = async (publicClient: VeritasPublicClient, address: Address): Promise<Hex> => {
  const code = await publicClient.getCode({ address });
  if (!code || code === '0x')
    throw new VeritasError('CHAIN_ERROR', `no code at ${address} right after its deployment`, { details: { address } });
  return keccak256(code);
};

/** Deploys everything and returns the deployment file's content. */
export async function deployAll(clients: Clients, p: DeployParameters): Promise<DeploymentFile> {
  const { walletClient, publicClient } = clients;
  const v = await deployVeritas(walletClient, publicClient, {
    aggregator: p.aggregator,
    minBond: p.minBond,
    unbondDelay: p.unbondDelay,
    slashBps: p.slashBps,
    reporterRewardBps: p.reporterRewardBps,
    callbackGasLimit: p.callbackGasLimit,
    assignDelay: p.assignDelay,
    maxDeadlineWindow: p.maxDeadlineWindow,
    challengeWindow: p.challengeWindow,
    aggregatorDelay: p.aggregatorDelay,
    minFeePerProver: p.minFeePerProver,
    minAggregatorBond: p.minAggregatorBond,
    aggregatorBond: p.aggregatorBond,
  });
  const dataset =
    p.pokeTip === undefined
      ? undefined
      : await deployAndWait(clients, {
          abi: datasetRegistryAbi,
          bytecode: datasetRegistryBytecode,
          args: [v.hub, p.pokeTip],
        });
  const entry = async (name: ContractName, address: Address, blockNumber?: bigint) => ({
    address,
    ...(blockNumber === undefined ? {} : { blockNumber: Number(blockNumber) }),
    abiHash: abiHashOf(name),
    bytecodeHash: bytecodeHashOf(name),
    codeHash: await codeHash(publicClient, address),
  });
  return {
    version: 1,
    chainId: v.chainId,
    deployer: walletClient.account.address,
    deployedAt: new Date().toISOString(),
    fromBlock: Number(v.deployBlock),
    solcVersion,
    contracts: {
      OperatorRegistry: await entry('OperatorRegistry', v.registry),
      OracleHub: await entry('OracleHub', v.hub, v.deployBlock),
      ...(dataset ? { DatasetRegistry: await entry('DatasetRegistry', dataset.address, dataset.blockNumber) } : {}),
    },
    parameters: fileParameters(p),
  };
}

export type ContractCheck = {
  contract: ContractName;
  address: Address;
  /** code exists at the address */
  deployed: boolean;
  /** the code there is the code found right after deployment */
  codeMatches: boolean;
  /** this build's ABI and bytecode are the ones the file names (else: deployed from another build) */
  sameBuild: boolean;
};

/** What a deployment file says against what the chain holds: code at each address, and whether it is this build. */
export async function inspectDeployment(
  publicClient: VeritasPublicClient,
  d: DeploymentFile,
): Promise<ContractCheck[]> {
  const checks: ContractCheck[] = [];
  for (const [name, c] of Object.entries(d.contracts) as [ContractName, DeploymentFile['contracts'][ContractName]][]) {
    if (!c) continue;
    const code = await publicClient.getCode({ address: c.address });
    const deployed = code !== undefined && code !== '0x';
    checks.push({
      contract: name,
      address: c.address,
      deployed,
      codeMatches: deployed && keccak256(code) === c.codeHash,
      sameBuild: c.abiHash === abiHashOf(name) && c.bytecodeHash === bytecodeHashOf(name),
    });
  }
  return checks;
}
