// DatasetRegistry writes (through sendContractCall) and the keeper's tick: poke every feed with a round due, and
// append every fulfilled source round to the datasets that name it. The keeper is a convenience: `poke` and
// `appendRound` are open to any account, and whatever a keeper misses anyone else can do.
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

/** Source rounds of every dataset that are not appended yet, oldest first: (datasetId, requestId) pairs. */
export async function unappendedRounds(
  client: VeritasPublicClient,
  registry: Address,
): Promise<{ datasetId: bigint; requestId: Hex }[]> {
  const logs = await client.getLogs({ address: registry, fromBlock: 0n, toBlock: 'latest' });
  const events = parseEventLogs({ abi: datasetRegistryAbi, logs });
  // Sources first, then rounds: a feed's rounds count for a dataset whatever the order (a feed's round 0 is usually
  // poked before anyone creates a dataset of it, and appendRound accepts it).
  const feedsOf = new Map<bigint, Set<bigint>>();
  const pending: { datasetId: bigint; requestId: Hex }[] = [];
  const appended = new Set<string>();
  for (const e of events)
    if (e.eventName === 'SourceAdded' && e.args.feedId !== 0n) {
      if (!feedsOf.has(e.args.datasetId)) feedsOf.set(e.args.datasetId, new Set());
      feedsOf.get(e.args.datasetId)!.add(e.args.feedId);
    }
  for (const e of events)
    if (e.eventName === 'SourceAdded' && e.args.feedId === 0n)
      pending.push({ datasetId: e.args.datasetId, requestId: e.args.requestId });
    else if (e.eventName === 'FeedPoked') {
      for (const [datasetId, feeds] of feedsOf)
        if (feeds.has(e.args.feedId)) pending.push({ datasetId, requestId: e.args.requestId });
    } else if (e.eventName === 'RoundAppended') appended.add(`${e.args.datasetId}/${e.args.requestId.toLowerCase()}`);
  return pending.filter((p) => !appended.has(`${p.datasetId}/${p.requestId.toLowerCase()}`));
}

/** Appends each fulfilled, not yet appended source round; rounds still open (NotFulfilled) wait for a later pass. */
export async function appendFulfilled(c: RegistryClients, registry: Address) {
  const appended: { datasetId: bigint; requestId: Hex; version: number; root: Hex }[] = [];
  for (const p of await unappendedRounds(c.publicClient, registry)) {
    try {
      const receipt = await writeRegistry(c, registry, 'appendRound', [p.datasetId, p.requestId]);
      const [ev] = parseEventLogs({ abi: datasetRegistryAbi, logs: receipt.logs, eventName: 'DatasetVersion' });
      appended.push({ ...p, version: Number(ev!.args.version), root: ev!.args.root });
    } catch (e) {
      const revert = revertErrorName(e);
      // not fulfilled yet (or expired: never), or appended by another account since the logs were read
      if (revert !== 'NotFulfilled' && revert !== 'AlreadyAppended') throw e;
    }
  }
  return appended;
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
  return { poked, skipped, appended: await appendFulfilled(c, registry) };
}
