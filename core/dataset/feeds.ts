// DatasetRegistry writes (through sendContractCall) and the keeper's tick: poke every feed with a round due.
// The keeper is a convenience: `poke` is open to any account, and a round a keeper misses is poked by anyone else.
import { type Address, type Hex, parseEventLogs, type TransactionReceipt } from 'viem';
import { datasetRegistryAbi } from '../../oracle-contracts/generated/artifacts.ts';
import type { VeritasPublicClient, VeritasWalletClient } from '../chain/clients.ts';
import { revertErrorName, sendContractCall } from '../chain/contracts.ts';
import { VeritasError } from '../errors.ts';

export type RegistryClients = { publicClient: VeritasPublicClient; walletClient: VeritasWalletClient };

/** One way to send a registry transaction: simulate (a revert is named before anything is sent), send, wait. */
export async function writeRegistry(
  c: RegistryClients,
  registry: Address,
  functionName: string,
  args: readonly unknown[],
  o: { value?: bigint; gas?: bigint } = {},
): Promise<TransactionReceipt> {
  // the one transaction path (simulate, write, wait, check the status, name the revert): core/chain/contracts.ts
  return sendContractCall(c, { address: registry, abi: datasetRegistryAbi, functionName, args, ...o });
}

/** Opens the feed's current round; the gas margin covers the hub's committee draw, which the mined block decides. */
export async function pokeFeed(c: RegistryClients, registry: Address, feedId: bigint) {
  const receipt = await writeRegistry(c, registry, 'poke', [feedId], { gas: 3_000_000n });
  const [ev] = parseEventLogs({ abi: datasetRegistryAbi, logs: receipt.logs, eventName: 'FeedPoked' });
  return {
    feedId,
    round: Number(ev!.args.round),
    requestId: ev!.args.requestId as Hex,
    txHash: receipt.transactionHash,
  };
}

/** Feeds with a round due now (each asked with the contract's own `dueRound`, so keeper and chain agree). */
export async function dueFeeds(client: VeritasPublicClient, registry: Address): Promise<bigint[]> {
  const n = await client.readContract({ address: registry, abi: datasetRegistryAbi, functionName: 'feedCount' });
  const due: bigint[] = [];
  for (let id = 1n; id <= n; id++) {
    try {
      await client.readContract({ address: registry, abi: datasetRegistryAbi, functionName: 'dueRound', args: [id] });
      due.push(id);
    } catch (e) {
      if (revertErrorName(e) === undefined) throw e; // NotDue, FeedEnded, FeedInactive: nothing to do
    }
  }
  return due;
}

/** One keeper pass: pokes each due feed; a feed another account poked first (NotDue) is skipped, not an error. */
export async function keeperTick(c: RegistryClients, registry: Address) {
  const poked: Awaited<ReturnType<typeof pokeFeed>>[] = [];
  const skipped: { feedId: bigint; reason: string }[] = [];
  for (const feedId of await dueFeeds(c.publicClient, registry)) {
    try {
      poked.push(await pokeFeed(c, registry, feedId));
    } catch (e) {
      const revert = e instanceof VeritasError ? (e.details?.revert as string | undefined) : undefined;
      if (revert === undefined) throw e;
      skipped.push({ feedId, reason: revert });
    }
  }
  return { poked, skipped };
}
