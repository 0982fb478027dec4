// `veritas withdraw`: takes what the hub holds for this key (operator fees, consumer refunds of expired requests,
// reporter rewards) out of it, after showing the amount, the gas and the cost.
import type { Command } from 'commander';
import { formatEther } from 'viem';
import { type ChainFlags, hubOf, sendConfirmed, signerContext, withSignerOptions } from './chain.ts';

export function register(program: Command): void {
  withSignerOptions(
    program
      .command('withdraw')
      .description('withdraw what the hub credited to this key: fees, refunds of expired requests, rewards'),
  ).action(async (flags: ChainFlags, self: Command) => {
    const ctx = await signerContext(self, flags, 'as the account to withdraw for');
    const { oracleHubAbi } = await import('../../oracle-contracts/generated/artifacts.ts');
    const hub = hubOf(ctx.config);
    const account = ctx.walletClient.account.address;
    const balance = await ctx.publicClient.readContract({
      address: hub,
      abi: oracleHubAbi,
      functionName: 'balanceOf',
      args: [account],
    });
    if (balance === 0n) {
      // nothing to do is not a failure: a script that withdraws on a schedule runs the same line every time
      ctx.out.data({ event: 'nothing', account, balance: '0' }, `nothing to withdraw for ${account}`);
      return;
    }
    await sendConfirmed(
      ctx,
      { address: hub, abi: oracleHubAbi, functionName: 'withdraw' },
      `withdraw ${formatEther(balance)} ETH for ${account}`,
    );
  });
}
