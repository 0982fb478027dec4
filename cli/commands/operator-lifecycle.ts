// `veritas operator register|bond|unbond|withdraw|status`: an operator's life in the OperatorRegistry, from the
// chain alone (status: bond, open assignments, earnings, slashes), each transaction shown with its cost first.
import type { Command } from 'commander';
import { type Address, formatEther, getAddress } from 'viem';
import { VeritasError } from '../../core/errors.ts';
import {
  addressArg,
  amount,
  type ChainFlags,
  chainContext,
  hubOf,
  registryOf,
  signAndSend,
  withChainOptions,
  withSignerOptions,
} from './chain.ts';
import { scanEvents } from './events.ts';

// the ABIs are loaded when a command runs, so `--help` and the other commands start without them
const artifacts = () => import('../../oracle-contracts/generated/artifacts.ts');
const STATUS = ['none', 'active', 'unbonding'] as const;

export function registerLifecycle(operator: Command): void {
  withSignerOptions(
    operator
      .command('register')
      .description('register in the OperatorRegistry with a bond, advertising the notary URL (and IPFS addresses)')
      .requiredOption('--bond <amount>', 'the bond (ETH, or with a unit); at least the registry’s minimum')
      .requiredOption('--notary-url <url>', 'the public notary URL provers connect to (ws:// or wss://host:port)')
      .option('--ipfs <multiaddr...>', 'libp2p addresses of the operator’s Helia node (where its bundles are fetched)')
      .option('--name <name>', 'a display name'),
  ).action(
    async (flags: ChainFlags & { bond: string; notaryUrl: string; ipfs?: string[]; name?: string }, self: Command) => {
      const bond = amount(flags.bond, '--bond');
      const name = self.optsWithGlobals<{ name?: string }>().name;
      const { encodeOperatorMetadata } = await import('../../core/operator-metadata.ts');
      let metadataURI: string;
      try {
        metadataURI = encodeOperatorMetadata({
          notaryUrl: flags.notaryUrl,
          ipfs: flags.ipfs ?? [],
          // `veritas operator --name` exists too: commander hands the flag to the parent
          ...(name ? { name } : {}),
        });
      } catch (e) {
        throw new VeritasError('INPUT_INVALID', `--notary-url/--ipfs/--name: ${(e as Error).message}`, {
          field: '--notary-url',
          cause: e,
        });
      }
      await signAndSend(self, flags, 'as the operator key', (ctx, { operatorRegistryAbi }) => ({
        call: {
          address: registryOf(ctx.config),
          abi: operatorRegistryAbi,
          functionName: 'register',
          args: [metadataURI],
          value: bond,
        },
        what: `register operator ${ctx.walletClient.account.address} with a bond of ${formatEther(bond)} ETH`,
      }));
    },
  );

  withSignerOptions(
    operator
      .command('bond')
      .description('add to the operator’s bond (OperatorRegistry.increaseBond)')
      .argument('<amount>', 'ETH, or with a unit'),
  ).action(async (value: string, flags: ChainFlags, self: Command) => {
    const more = amount(value, 'amount');
    await signAndSend(self, flags, 'as the operator key', (ctx, { operatorRegistryAbi }) => ({
      call: { address: registryOf(ctx.config), abi: operatorRegistryAbi, functionName: 'increaseBond', value: more },
      what: `add ${formatEther(more)} ETH to the bond of ${ctx.walletClient.account.address}`,
    }));
  });

  withSignerOptions(
    operator
      .command('unbond')
      .description('leave the active set now and start the unbond delay (the bond stays slashable meanwhile)'),
  ).action(async (flags: ChainFlags, self: Command) => {
    const { ctx } = await signAndSend(self, flags, 'as the operator key', (ctx, { operatorRegistryAbi }) => ({
      call: { address: registryOf(ctx.config), abi: operatorRegistryAbi, functionName: 'requestUnbond' },
      what: `unbond operator ${ctx.walletClient.account.address}`,
    }));
    const { operatorRegistryAbi } = await artifacts();
    const registry = registryOf(ctx.config);
    const info = await ctx.publicClient.readContract({
      address: registry,
      abi: operatorRegistryAbi,
      functionName: 'operatorInfo',
      args: [ctx.walletClient.account.address],
    });
    ctx.out.note(
      'unbonding',
      { unbondableAt: Number(info.unbondableAt) },
      `the bond can be withdrawn from ${new Date(Number(info.unbondableAt) * 1000).toISOString()} ` +
        '(once no assignment is open): veritas operator withdraw',
    );
  });

  withSignerOptions(
    operator
      .command('withdraw')
      .description('withdraw the bond after the unbond delay, once no assignment is open (fees: veritas withdraw)'),
  ).action(async (flags: ChainFlags, self: Command) => {
    await signAndSend(self, flags, 'as the operator key', (ctx, { operatorRegistryAbi }) => ({
      call: { address: registryOf(ctx.config), abi: operatorRegistryAbi, functionName: 'withdrawBond' },
      what: `withdraw the bond of ${ctx.walletClient.account.address}`,
    }));
  });

  withChainOptions(
    operator
      .command('status')
      .description('an operator’s bond, state, open assignments, earnings and slashes, read from the chain')
      .argument('[address]', 'the operator (default: the address of VERITAS_PRIVATE_KEY / the keystore)')
      .option('--keystore <file>', 'take the address from this keystore (no password needed)'),
  ).action(async (who: string | undefined, flags: ChainFlags, self: Command) => {
    const ctx = await chainContext(self, flags);
    const address = who ? getAddress(addressArg(who, 'address')) : await ownAddress(ctx.config, flags);
    const status = await operatorStatus(ctx, address);
    const slashed = status.slashes.reduce((s, x) => s + BigInt(x.amount), 0n);
    ctx.out.data(
      status,
      [
        `operator ${address}: ${status.status}${status.active ? ' (in the active set)' : ''}`,
        `bond ${formatEther(BigInt(status.bond))} ETH (minimum ${formatEther(BigInt(status.minBond))} ETH)` +
          (status.unbondableAt ? `; withdrawable from ${new Date(status.unbondableAt * 1000).toISOString()}` : ''),
        `open assignments ${status.openAssignments}`,
        `earned ${formatEther(BigInt(status.earned))} ETH; withdrawable now ${formatEther(BigInt(status.withdrawable))} ETH`,
        `slashed ${status.slashes.length}× (${formatEther(slashed)} ETH)`,
        ...status.slashes.map((x) => `  block ${x.blockNumber}: ${formatEther(BigInt(x.amount))} ETH, ${x.reason}`),
        ...(status.metadata
          ? [`notary ${status.metadata.notaryUrl}${status.metadata.name ? ` (${status.metadata.name})` : ''}`]
          : []),
      ].join('\n'),
    );
  });
}

/** The address of the configured key, or of the keystore (its `address` field: no password needed). */
async function ownAddress(
  config: Awaited<ReturnType<typeof chainContext>>['config'],
  flags: ChainFlags,
): Promise<Address> {
  const { readFile } = await import('node:fs/promises');
  const file = flags.keystore ?? config.chain.keystore?.file;
  if (file) {
    const ks = JSON.parse(await readFile(file, 'utf8')) as { address?: string };
    if (ks.address) return getAddress(addressArg(`0x${ks.address.replace(/^0x/, '')}`, '--keystore'));
  }
  if (!config.chain.privateKey)
    throw new VeritasError('CONFIG_INVALID', 'name the operator: an address, VERITAS_PRIVATE_KEY or --keystore', {
      field: 'address',
    });
  const { privateKeyToAccount } = await import('viem/accounts');
  return privateKeyToAccount(config.chain.privateKey).address;
}

export async function operatorStatus(ctx: Awaited<ReturnType<typeof chainContext>>, address: Address) {
  const { operatorRegistryAbi, oracleHubAbi } = await artifacts();
  const { decodeOperatorMetadata } = await import('../../core/operator-metadata.ts');
  const registry = registryOf(ctx.config);
  const hub = hubOf(ctx.config);
  const pc = ctx.publicClient;
  const [info, active, open, minBond, withdrawable] = await Promise.all([
    pc.readContract({ address: registry, abi: operatorRegistryAbi, functionName: 'operatorInfo', args: [address] }),
    pc.readContract({ address: registry, abi: operatorRegistryAbi, functionName: 'isActive', args: [address] }),
    pc.readContract({ address: registry, abi: operatorRegistryAbi, functionName: 'openAssignments', args: [address] }),
    pc.readContract({ address: registry, abi: operatorRegistryAbi, functionName: 'minBond' }),
    pc.readContract({ address: hub, abi: oracleHubAbi, functionName: 'balanceOf', args: [address] }),
  ]);
  const [credited, slashes] = await Promise.all([
    scanEvents(pc, {
      address: hub,
      abi: oracleHubAbi,
      eventName: 'Credited',
      args: { account: address },
      fromBlock: ctx.fromBlock,
    }),
    scanEvents(pc, {
      address: registry,
      abi: operatorRegistryAbi,
      eventName: 'OperatorSlashed',
      args: { operator: address },
      fromBlock: ctx.fromBlock,
    }),
  ]);
  let metadata: { notaryUrl: string; name?: string | undefined } | undefined;
  try {
    metadata = info.metadataURI ? decodeOperatorMetadata(info.metadataURI) : undefined;
  } catch {
    metadata = undefined;
  }
  return {
    address,
    status: STATUS[info.status] ?? 'none',
    active,
    bond: info.bond.toString(),
    minBond: minBond.toString(),
    registeredAt: Number(info.registeredAt) || null,
    unbondableAt: Number(info.unbondableAt) || null,
    openAssignments: Number(open),
    // everything the hub credited (fees, reporter rewards); `withdrawable` is what is still in the hub
    earned: credited.reduce((s, l) => s + (l.args.amount ?? 0n), 0n).toString(),
    withdrawable: withdrawable.toString(),
    slashes: slashes.map((l) => ({
      blockNumber: Number(l.blockNumber),
      amount: (l.args.amount ?? 0n).toString(),
      reason: l.args.reason ?? '',
      transactionHash: l.transactionHash,
    })),
    metadata: metadata ?? null,
  };
}
