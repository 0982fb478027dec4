// `veritas admin …`: the hub owner's governance calls (fee floor, aggregator changes behind their delay) and the
// aggregator's own bond, each shown with its gas and cost before it is sent.
import type { Command } from 'commander';
import { formatEther } from 'viem';
import {
  addressArg,
  amount,
  type ChainFlags,
  chainContext,
  hubOf,
  sendConfirmed,
  signAndSend,
  signerContext,
  withChainOptions,
  withSignerOptions,
} from './chain.ts';
import { scanEvents } from './events.ts';

// the ABIs are loaded when a command runs, so `--help` and the other commands start without them
const artifacts = () => import('../../oracle-contracts/generated/artifacts.ts');

const when = (unix: bigint | number) => new Date(Number(unix) * 1000).toISOString();

export function register(program: Command): void {
  const admin = program
    .command('admin')
    .description('governance of a deployment: fee floor, aggregator changes (behind their delay), aggregator bonds');

  withChainOptions(
    admin.command('status').description('the hub’s owner, fee floor, delays, aggregators and pending proposals'),
  ).action(async (flags: ChainFlags, self: Command) => {
    const ctx = await chainContext(self, flags);
    const { oracleHubAbi } = await artifacts();
    const hub = hubOf(ctx.config);
    const read = <F extends 'owner' | 'minFeePerProver' | 'aggregatorDelay' | 'minAggregatorBond' | 'challengeWindow'>(
      functionName: F,
    ) => ctx.publicClient.readContract({ address: hub, abi: oracleHubAbi, functionName });
    const [owner, minFeePerProver, aggregatorDelay, minAggregatorBond, challengeWindow] = await Promise.all([
      read('owner'),
      read('minFeePerProver'),
      read('aggregatorDelay'),
      read('minAggregatorBond'),
      read('challengeWindow'),
    ]);
    // every address the hub ever named as an aggregator, with its state now
    const changed = await scanEvents(ctx.publicClient, {
      address: hub,
      abi: oracleHubAbi,
      eventName: 'AggregatorChanged',
      fromBlock: ctx.fromBlock,
    });
    const proposed = await scanEvents(ctx.publicClient, {
      address: hub,
      abi: oracleHubAbi,
      eventName: 'AggregatorProposed',
      fromBlock: ctx.fromBlock,
    });
    const addresses = [...new Set([...changed, ...proposed].map((l) => l.args.aggregator!))];
    const aggregators = await Promise.all(
      addresses.map(async (a) => {
        const [info, active, pendingAt, pendingEnabled] = await Promise.all([
          ctx.publicClient.readContract({ address: hub, abi: oracleHubAbi, functionName: 'aggregatorInfo', args: [a] }),
          ctx.publicClient.readContract({
            address: hub,
            abi: oracleHubAbi,
            functionName: 'isActiveAggregator',
            args: [a],
          }),
          ctx.publicClient.readContract({
            address: hub,
            abi: oracleHubAbi,
            functionName: 'proposalActivatableAt',
            args: [a],
          }),
          ctx.publicClient.readContract({
            address: hub,
            abi: oracleHubAbi,
            functionName: 'proposedEnabled',
            args: [a],
          }),
        ]);
        return {
          address: a,
          enabled: info.enabled,
          active,
          bond: info.bond.toString(),
          unbonding: info.unbonding,
          pending: pendingAt === 0n ? null : { enabled: pendingEnabled, activatableAt: Number(pendingAt) },
        };
      }),
    );
    const status = {
      hub,
      chainId: ctx.chainId,
      owner,
      minFeePerProver: minFeePerProver.toString(),
      aggregatorDelay: Number(aggregatorDelay),
      challengeWindow: Number(challengeWindow),
      minAggregatorBond: minAggregatorBond.toString(),
      aggregators,
    };
    ctx.out.data(
      status,
      [
        `OracleHub ${hub} on chain ${ctx.chainId}, owner ${owner}`,
        `fee floor ${formatEther(minFeePerProver)} ETH per prover; aggregator changes wait ${aggregatorDelay} s; ` +
          `minimum aggregator bond ${formatEther(minAggregatorBond)} ETH`,
        ...aggregators.map(
          (a) =>
            `aggregator ${a.address}: ${a.active ? 'active' : a.enabled ? 'enabled, not active' : 'disabled'}, ` +
            `bond ${formatEther(BigInt(a.bond))} ETH${a.unbonding ? ' (unbonding)' : ''}` +
            (a.pending
              ? `; pending: ${a.pending.enabled ? 'enable' : 'disable'} from ${when(a.pending.activatableAt)}`
              : ''),
        ),
      ].join('\n'),
    );
  });

  withSignerOptions(
    admin
      .command('set-min-fee')
      .description('set the fee floor per sampled prover (OracleHub.setMinFeePerProver; owner only)')
      .argument('<amount>', 'ETH, or with a unit: 20gwei, 1000wei'),
  ).action(async (value: string, flags: ChainFlags, self: Command) => {
    const fee = amount(value, 'amount');
    await signAndSend(self, flags, 'as the hub owner', (ctx, { oracleHubAbi }) => ({
      call: { address: hubOf(ctx.config), abi: oracleHubAbi, functionName: 'setMinFeePerProver', args: [fee] },
      what: `set the fee floor to ${formatEther(fee)} ETH per prover`,
    }));
  });

  withSignerOptions(
    admin
      .command('propose-aggregator')
      .description(
        'propose enabling (or --disable) an aggregator; it takes effect by activate-aggregator after the delay',
      )
      .argument('<address>', 'the aggregator')
      .option('--disable', 'propose disabling it instead'),
  ).action(async (who: string, flags: ChainFlags & { disable?: boolean }, self: Command) => {
    const aggregator = addressArg(who, 'address');
    const ctx = await signerContext(self, flags, 'as the hub owner');
    await propose(ctx, aggregator, flags.disable !== true);
  });

  withSignerOptions(
    admin
      .command('swap-aggregator')
      .description('propose enabling <new> and disabling --old; activate both with activate-aggregator after the delay')
      .argument('<new>', 'the incoming aggregator')
      .requiredOption('--old <address>', 'the outgoing aggregator'),
  ).action(async (incoming: string, flags: ChainFlags & { old: string }, self: Command) => {
    const next = addressArg(incoming, 'new');
    const old = addressArg(flags.old, '--old');
    const ctx = await signerContext(self, flags, 'as the hub owner');
    await propose(ctx, next, true);
    await propose(ctx, old, false);
  });

  withSignerOptions(
    admin
      .command('activate-aggregator')
      .description('carry out a proposal whose delay has passed (anyone may)')
      .argument('<address>', 'the proposed aggregator'),
  ).action(async (who: string, flags: ChainFlags, self: Command) => {
    const aggregator = addressArg(who, 'address');
    await signAndSend(self, flags, 'to send the transaction', (ctx, { oracleHubAbi }) => ({
      call: { address: hubOf(ctx.config), abi: oracleHubAbi, functionName: 'activateAggregator', args: [aggregator] },
      what: `activate the proposal for ${aggregator}`,
    }));
  });

  withSignerOptions(
    admin
      .command('bond-aggregator')
      .description('add to an aggregator’s bond (anyone may)')
      .argument('<address>', 'the aggregator')
      .argument('<amount>', 'ETH, or with a unit'),
  ).action(async (who: string, value: string, flags: ChainFlags, self: Command) => {
    const aggregator = addressArg(who, 'address');
    const bond = amount(value, 'amount');
    await signAndSend(self, flags, 'to pay the bond', (ctx, { oracleHubAbi }) => ({
      call: {
        address: hubOf(ctx.config),
        abi: oracleHubAbi,
        functionName: 'bondAggregator',
        args: [aggregator],
        value: bond,
      },
      what: `bond ${formatEther(bond)} ETH for aggregator ${aggregator}`,
    }));
  });

  withSignerOptions(
    admin
      .command('aggregator-unbond')
      .description('as the aggregator: stop fulfilling now; the bond is withdrawable after its last challenge window'),
  ).action(async (flags: ChainFlags, self: Command) => {
    await signAndSend(self, flags, 'as the aggregator', (ctx, { oracleHubAbi }) => ({
      call: { address: hubOf(ctx.config), abi: oracleHubAbi, functionName: 'requestAggregatorUnbond' },
      what: `unbond aggregator ${ctx.walletClient.account.address}`,
    }));
  });

  withSignerOptions(
    admin
      .command('aggregator-withdraw')
      .description('as the aggregator: withdraw the bond once its unbond time has come'),
  ).action(async (flags: ChainFlags, self: Command) => {
    await signAndSend(self, flags, 'as the aggregator', (ctx, { oracleHubAbi }) => ({
      call: { address: hubOf(ctx.config), abi: oracleHubAbi, functionName: 'withdrawAggregatorBond' },
      what: `withdraw the aggregator bond of ${ctx.walletClient.account.address}`,
    }));
  });
}

async function propose(ctx: Awaited<ReturnType<typeof signerContext>>, aggregator: `0x${string}`, enabled: boolean) {
  const { parseEventLogs } = await import('viem');
  const { oracleHubAbi } = await artifacts();
  const receipt = await sendConfirmed(
    ctx,
    { address: hubOf(ctx.config), abi: oracleHubAbi, functionName: 'proposeAggregator', args: [aggregator, enabled] },
    `propose ${enabled ? 'enabling' : 'disabling'} aggregator ${aggregator}`,
  );
  const event = parseEventLogs({ abi: oracleHubAbi, logs: receipt.logs, eventName: 'AggregatorProposed' })[0];
  if (event)
    ctx.out.note(
      'proposed',
      { aggregator, enabled, activatableAt: Number(event.args.activatableAt) },
      `takes effect from ${when(event.args.activatableAt)}: veritas admin activate-aggregator ${aggregator}`,
    );
}
