// Chain → database indexer of DatasetRegistry events (feeds, their rounds, datasets, sources, versions), so the API
// and the pages read a dataset from the database instead of scanning the registry's logs on every request.
//
// Like core/indexer.ts (the hub's): bounded eth_getLogs ranges, each written in one transaction with its cursor, and
// every write an upsert keyed by the chain's own ids (registry, feed/dataset number, round, version), so replaying a
// range, or seeing an event again in another block after a reorg, leaves one row with the latest block's values.
// Every event's arguments are validated (zod) before anything is written: a registry whose events do not decode as
// this one's is a configuration error, not data. A feed's schedule and state are read from the registry at the block
// of its latest event in the range (events carry only what changed; the state then is what the chain says it was).
import { and, eq, lte, sql } from 'drizzle-orm';
import { type Address, type Log, parseEventLogs } from 'viem';
import { z } from 'zod';
import { datasetRegistryAbi } from '../../oracle-contracts/generated/artifacts.ts';
import type { VeritasPublicClient } from '../chain/clients.ts';
import type { Database } from '../db/client.ts';
import { CURSOR_LAG_BLOCKS } from '../indexer.ts';
import { chainCursors, datasets, datasetSources, datasetVersions, feedRounds, feeds } from '../db/schema.ts';
import { VeritasError } from '../errors.ts';
import type { Logger } from '../log.ts';

export type RegistryIndexerOptions = {
  db: Database;
  publicClient: VeritasPublicClient;
  registry: Address;
  /** First block to scan when no cursor exists (the registry's deployment block; default 0). */
  fromBlock?: bigint;
  /** Blocks per eth_getLogs call (default 2000). */
  batchBlocks?: number;
  /** Blocks to stay behind the head (default 0: the devnet does not reorg). */
  confirmations?: number;
  pollIntervalMs?: number;
  log: Logger;
};

export type RegistryIndexer = {
  /** Indexes up to the current head once; returns the last block indexed. */
  sync(): Promise<bigint>;
  stop(): Promise<void>;
};

const lower = (s: string) => s.toLowerCase();
const hex32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'must be 32 bytes of 0x-hex')
  .transform(lower);
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be an address')
  .transform(lower);
const wei = z.bigint().nonnegative().transform(String);
/** uint64 and counters: numbers, refused beyond 2^53 rather than rounded. */
const count = z.bigint().nonnegative().max(BigInt(Number.MAX_SAFE_INTEGER), 'exceeds 2^53').transform(Number);
const cid = z.string().min(1).max(512);

/** The registry's events as this indexer accepts them (argument names as in DatasetRegistry.sol). */
export const RegistryEvent = z.discriminatedUnion('eventName', [
  z.object({
    eventName: z.literal('FeedCreated'),
    args: z.object({ feedId: count, owner: address, specHash: hex32, specCid: cid }),
  }),
  z.object({
    eventName: z.literal('FeedPoked'),
    args: z.object({ feedId: count, round: count, requestId: hex32, poker: address, tip: wei }),
  }),
  z.object({
    eventName: z.literal('FeedToppedUp'),
    args: z.object({ feedId: count, from: address, amount: wei, escrow: wei }),
  }),
  z.object({ eventName: z.literal('FeedPaused'), args: z.object({ feedId: count, paused: z.boolean() }) }),
  z.object({ eventName: z.literal('FeedCancelled'), args: z.object({ feedId: count, refund: wei }) }),
  z.object({
    eventName: z.literal('DatasetCreated'),
    args: z.object({ datasetId: count, owner: address, metadataCid: cid }),
  }),
  z.object({
    eventName: z.literal('SourceAdded'),
    args: z.object({ datasetId: count, feedId: count, requestId: hex32 }),
  }),
  z.object({
    eventName: z.literal('RoundAppended'),
    args: z.object({ datasetId: count, index: count, requestId: hex32, requestRoot: hex32 }),
  }),
  z.object({
    eventName: z.literal('DatasetVersion'),
    args: z.object({ datasetId: count, version: count, root: hex32, recordCount: count }),
  }),
]);
export type RegistryEvent = z.infer<typeof RegistryEvent>;

/** A feed as getFeed returns it, checked like an event. */
const FeedState = z.object({
  owner: address,
  paused: z.boolean(),
  cancelled: z.boolean(),
  interval: count,
  firstRound: count,
  end: count,
  rounds: count,
  terms: z.object({ quorum: z.number().int().min(1) }).passthrough(),
  specHash: hex32,
  feePerRound: wei,
  escrow: wei,
  specCid: cid,
});

const ZERO32 = `0x${'0'.repeat(64)}`;

type Located = RegistryEvent & { blockNumber: bigint; logIndex: number; transactionHash: string };

function validated(logs: Log[]): Located[] {
  const out: Located[] = [];
  for (const e of parseEventLogs({ abi: datasetRegistryAbi, logs, strict: false })) {
    const parsed = RegistryEvent.safeParse({ eventName: e.eventName, args: e.args });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new VeritasError(
        'CHAIN_ERROR',
        `registry event ${e.eventName} at ${e.transactionHash}:${e.logIndex}: ${issue?.path.join('.')} ${issue?.message}`,
        { field: `${e.eventName}.${issue?.path.slice(1).join('.')}` },
      );
    }
    out.push({ ...parsed.data, blockNumber: e.blockNumber, logIndex: e.logIndex, transactionHash: e.transactionHash });
  }
  return out;
}

/** Indexes the registry's events in [from, to] in one transaction (idempotent). Exported for tests and re-indexing.
 *  `skipEmpty`: a range without logs writes nothing, not even the cursor (see CURSOR_LAG_BLOCKS in core/indexer.ts). */
export async function indexRegistryRange(
  o: RegistryIndexerOptions,
  from: bigint,
  to: bigint,
  { skipEmpty = false }: { skipEmpty?: boolean } = {},
): Promise<number> {
  const registry = lower(o.registry);
  const client = o.publicClient;
  const logs = await client.getLogs({ address: o.registry, fromBlock: from, toBlock: to });
  if (skipEmpty && logs.length === 0) return 0;
  const events = validated(logs as Log[]);
  // chain reads first, so the transaction only writes
  const times = new Map<bigint, number>();
  for (const e of events)
    if ((e.eventName === 'FeedPoked' || e.eventName === 'DatasetVersion') && !times.has(e.blockNumber))
      times.set(e.blockNumber, Number((await client.getBlock({ blockNumber: e.blockNumber })).timestamp));
  const feedBlock = new Map<number, bigint>(); // each touched feed at the block of its latest event here
  for (const e of events)
    if (e.eventName.startsWith('Feed')) feedBlock.set((e.args as { feedId: number }).feedId, e.blockNumber);
  const feedStates = new Map<number, { block: bigint; state: z.infer<typeof FeedState> }>();
  for (const [feedId, block] of feedBlock) {
    const raw = await client.readContract({
      address: o.registry,
      abi: datasetRegistryAbi,
      functionName: 'getFeed',
      args: [BigInt(feedId)],
      blockNumber: block,
    });
    const state = FeedState.safeParse(raw);
    if (!state.success)
      throw new VeritasError('CHAIN_ERROR', `getFeed(${feedId}) at block ${block} does not decode`, { field: 'feed' });
    feedStates.set(feedId, { block, state: state.data });
  }
  const emptyRoot = events.some((e) => e.eventName === 'DatasetCreated')
    ? lower(await client.readContract({ address: o.registry, abi: datasetRegistryAbi, functionName: 'emptyRoot' }))
    : ZERO32;

  await o.db.transaction(async (tx) => {
    for (const [feedId, { block, state: f }] of feedStates) {
      const row = {
        owner: f.owner,
        specHash: f.specHash,
        specCid: f.specCid,
        quorum: f.terms.quorum,
        interval: f.interval,
        firstRound: f.firstRound,
        end: f.end,
        feePerRound: f.feePerRound,
        escrow: f.escrow,
        paused: f.paused,
        cancelled: f.cancelled,
        rounds: f.rounds,
        stateBlock: Number(block),
      };
      await tx
        .insert(feeds)
        .values({ registry, id: feedId, ...row, createdBlock: Number(block) })
        // a replayed older range never overwrites a newer state
        .onConflictDoUpdate({
          target: [feeds.registry, feeds.id],
          set: row,
          setWhere: lte(feeds.stateBlock, Number(block)),
        });
    }
    for (const e of events) {
      const at = { txHash: e.transactionHash, blockNumber: Number(e.blockNumber) };
      switch (e.eventName) {
        case 'FeedCreated':
          await tx
            .update(feeds)
            .set({ createdBlock: at.blockNumber })
            .where(and(eq(feeds.registry, registry), eq(feeds.id, e.args.feedId)));
          break;
        case 'FeedPoked': {
          const row = {
            requestId: e.args.requestId,
            poker: e.args.poker,
            tip: e.args.tip,
            ...at,
            timestamp: times.get(e.blockNumber)!,
          };
          await tx
            .insert(feedRounds)
            .values({ registry, feedId: e.args.feedId, round: e.args.round, ...row })
            .onConflictDoUpdate({ target: [feedRounds.registry, feedRounds.feedId, feedRounds.round], set: row });
          break;
        }
        case 'DatasetCreated':
          await tx
            .insert(datasets)
            .values({
              registry,
              id: e.args.datasetId,
              owner: e.args.owner,
              metadataCid: e.args.metadataCid,
              root: emptyRoot,
              createdBlock: at.blockNumber,
            })
            // the head (version, root) is the versions' to move, never reset by a replayed creation
            .onConflictDoUpdate({
              target: [datasets.registry, datasets.id],
              set: { owner: e.args.owner, metadataCid: e.args.metadataCid, createdBlock: at.blockNumber },
            });
          break;
        case 'SourceAdded': {
          const isFeed = e.args.feedId !== 0;
          const row = {
            feedId: isFeed ? e.args.feedId : null,
            requestId: isFeed ? null : e.args.requestId,
            blockNumber: at.blockNumber,
            logIndex: e.logIndex,
          };
          await tx
            .insert(datasetSources)
            .values({
              registry,
              datasetId: e.args.datasetId,
              source: isFeed ? `feed:${e.args.feedId}` : `request:${e.args.requestId}`,
              ...row,
            })
            .onConflictDoUpdate({
              target: [datasetSources.registry, datasetSources.datasetId, datasetSources.source],
              set: row,
            });
          break;
        }
        case 'DatasetVersion': {
          // appendRound emits RoundAppended(index = version − 1) and then DatasetVersion in the same transaction
          const round = events.find(
            (x) =>
              x.eventName === 'RoundAppended' &&
              x.transactionHash === e.transactionHash &&
              x.args.datasetId === e.args.datasetId &&
              x.args.index === e.args.version - 1,
          );
          if (round?.eventName !== 'RoundAppended')
            throw new VeritasError(
              'CHAIN_ERROR',
              `DatasetVersion ${e.args.datasetId}/${e.args.version} has no RoundAppended in ${e.transactionHash}`,
              { field: 'DatasetVersion' },
            );
          const row = {
            root: e.args.root,
            requestId: round.args.requestId,
            requestRoot: round.args.requestRoot,
            recordCount: e.args.recordCount,
            ...at,
            timestamp: times.get(e.blockNumber)!,
          };
          await tx
            .insert(datasetVersions)
            .values({ registry, datasetId: e.args.datasetId, version: e.args.version, ...row })
            .onConflictDoUpdate({
              target: [datasetVersions.registry, datasetVersions.datasetId, datasetVersions.version],
              set: row,
            });
          // the head moves forward only (a reorg's replacement of the same version rewrites its root)
          await tx
            .update(datasets)
            .set({ version: e.args.version, root: e.args.root })
            .where(
              and(
                eq(datasets.registry, registry),
                eq(datasets.id, e.args.datasetId),
                lte(datasets.version, e.args.version),
              ),
            );
          break;
        }
        default:
          break; // FeedToppedUp, FeedPaused, FeedCancelled: the feed's state row above; RoundAppended: with its version
      }
    }
    await tx
      .insert(chainCursors)
      .values({ name: cursorName(o.registry), lastBlock: Number(to) })
      .onConflictDoUpdate({
        target: chainCursors.name,
        set: { lastBlock: sql`greatest(${chainCursors.lastBlock}, ${Number(to)})` },
      });
  });
  return events.length;
}

export const cursorName = (registry: Address): string => `registry:${lower(registry)}`;

/** Follows the registry from its cursor (or `fromBlock`) to the head, every `pollIntervalMs` (default 500 ms). */
export function startRegistryIndexer(o: RegistryIndexerOptions, { run = true }: { run?: boolean } = {}) {
  const batch = BigInt(o.batchBlocks ?? 2000);
  const log = o.log.child({ component: 'registry-indexer', registry: lower(o.registry) });
  let indexed: bigint | undefined;
  let persisted = -1n; // the block the cursor row records
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<bigint> | undefined;

  const syncOnce = async (): Promise<bigint> => {
    if (indexed === undefined) {
      const [cursor] = await o.db
        .select()
        .from(chainCursors)
        .where(eq(chainCursors.name, cursorName(o.registry)));
      indexed = persisted = cursor ? BigInt(cursor.lastBlock) : (o.fromBlock ?? 0n) - 1n;
    }
    // cacheTime 0: viem caches the head for its polling interval, so a sync right after a transaction would miss it
    const head = (await o.publicClient.getBlockNumber({ cacheTime: 0 })) - BigInt(o.confirmations ?? 0);
    let at: bigint = indexed;
    while (at < head && !stopped) {
      const to: bigint = at + batch < head ? at + batch : head;
      const skipEmpty = to - persisted < CURSOR_LAG_BLOCKS;
      const n = await indexRegistryRange(o, at + 1n, to, { skipEmpty });
      if (n > 0 || !skipEmpty) persisted = to;
      if (n > 0) log.debug({ from: String(at + 1n), to: String(to), events: n }, 'indexed');
      indexed = at = to;
    }
    return at;
  };
  const sync = async (): Promise<bigint> => {
    // a pass already running may have read the head before the caller's transaction: wait for it, then run one more
    await running?.catch(() => undefined);
    running ??= syncOnce().finally(() => {
      running = undefined;
    });
    return running;
  };
  const loop = async (): Promise<void> => {
    if (stopped) return;
    await sync().catch((e: unknown) => log.warn({ err: e }, 'registry indexing failed; retrying'));
    if (!stopped) timer = setTimeout(() => void loop(), o.pollIntervalMs ?? 500);
  };
  if (run) void loop();
  return {
    sync,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  } satisfies RegistryIndexer;
}
