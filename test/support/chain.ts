// A chain for a test: an anvil, clients per dev account, the Veritas contracts deployed and operators registered.
import assert from 'node:assert/strict';
import { type Address, type Hex, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type Anvil, startAnvil } from '../../core/chain/anvil.ts';
import { type AttestationDomain, attestationDomain } from '../../core/chain/attestation.ts';
import {
  createVeritasPublicClient,
  createVeritasTestClient,
  createVeritasWalletClient,
  type VeritasPublicClient,
  type VeritasTestClient,
  type VeritasWalletClient,
} from '../../core/chain/clients.ts';
import {
  deployVeritas,
  type DeployVeritasOptions,
  operatorRegistryAbi,
  type VeritasDeployment,
  withGasHeadroom,
} from '../../core/chain/contracts.ts';

export type Chain = {
  anvil: Anvil;
  publicClient: VeritasPublicClient;
  testClient: VeritasTestClient;
  /** wallet client per dev account: [0] deployer, [1] aggregator, [2] consumer, [3] reporter, [4…] operators */
  wallets: VeritasWalletClient[];
  keyOf: Map<Address, Hex>;
};

export async function startChain(accounts = 20): Promise<Chain> {
  const anvil = await startAnvil({ accounts });
  const publicClient = createVeritasPublicClient(anvil.rpcUrl, anvil.chainId, { pollingIntervalMs: 50 });
  const testClient = createVeritasTestClient(anvil.rpcUrl, anvil.chainId);
  const wallets = anvil.accounts.map((k) =>
    createVeritasWalletClient(anvil.rpcUrl, anvil.chainId, k, { pollingIntervalMs: 50 }),
  );
  const keyOf = new Map(anvil.accounts.map((k) => [privateKeyToAccount(k).address, k] as const));
  return { anvil, publicClient, testClient, wallets, keyOf };
}

export type Veritas = VeritasDeployment & {
  chain: Chain;
  deployer: VeritasWalletClient;
  aggregator: VeritasWalletClient;
  consumer: VeritasWalletClient;
  reporter: VeritasWalletClient;
  operators: VeritasWalletClient[];
  domain: AttestationDomain;
  minBond: bigint;
};

/** Deploys the contracts and registers `operatorCount` operators with the minimum bond. */
export async function deployFixture(
  chain: Chain,
  options: DeployVeritasOptions & { operatorCount?: number } = {},
): Promise<Veritas> {
  const [deployer, aggregator, consumer, reporter, ...rest] = chain.wallets;
  const minBond = options.minBond ?? parseEther('1');
  const deployment = await deployVeritas(deployer!, chain.publicClient, {
    unbondDelay: 7200,
    maxDeadlineWindow: 3600,
    challengeWindow: 3600,
    aggregatorDelay: 600,
    ...options,
    minBond,
    aggregator: aggregator!.account.address,
  });
  const operators = rest.slice(0, options.operatorCount ?? 4);
  for (const op of operators) {
    await send(chain, op, {
      address: deployment.registry,
      abi: operatorRegistryAbi,
      functionName: 'register',
      args: [`ws://127.0.0.1:7047/${op.account.address}`],
      value: minBond,
    });
  }
  return {
    ...deployment,
    chain,
    deployer: deployer!,
    aggregator: aggregator!,
    consumer: consumer!,
    reporter: reporter!,
    operators,
    domain: attestationDomain(chain.anvil.chainId, deployment.hub),
    minBond,
  };
}

/** Sends a contract write and waits for a successful receipt (throws the decoded revert otherwise). */
export async function send(
  chain: Chain,
  wallet: VeritasWalletClient,
  // viem's parameter types are generic per ABI; the tests pass typed ABIs and let the call site check arguments
  request: {
    address: Address;
    abi: readonly unknown[];
    functionName: string;
    args?: readonly unknown[];
    value?: bigint;
    gas?: bigint;
  },
) {
  // headroom as the product sends (core/chain/contracts.ts withGasHeadroom): a bare estimate can fall short when the
  // mined block's timestamp differs from the estimate's (fulfill's lastChallengeDeadline write)
  const gas =
    request.gas ??
    withGasHeadroom(
      await chain.publicClient.estimateContractGas({ ...request, account: wallet.account } as Parameters<
        typeof chain.publicClient.estimateContractGas
      >[0]),
    );
  const hash = await wallet.writeContract({ ...request, gas } as Parameters<VeritasWalletClient['writeContract']>[0]);
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, 'success', `${request.functionName} reverted`);
  return receipt;
}

/**
 * The chain half of an operator's context for `wallet`: its account, the contracts and the clients. Tests of one
 * operator part (job scheduler, notary) add the few other fields that part reads.
 */
export function operatorChainContext(v: Veritas, wallet: VeritasWalletClient) {
  return {
    account: privateKeyToAccount(v.chain.keyOf.get(wallet.account.address)!),
    chainId: v.chain.anvil.chainId,
    hub: v.hub,
    registry: v.registry,
    publicClient: v.chain.publicClient,
    walletClient: wallet,
  };
}
