// Datasets as the node's database mirrors them (core/dataset/indexer.ts), in the shapes core/dataset/chain.ts reads
// from the registry: what the API and the pages serve, without a scan of the registry's logs per request.
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Address, Hex } from 'viem';
import type { Database } from '../db/client.ts';
import {
  type DatasetRow,
  datasets,
  datasetSources,
  datasetVersions,
  type FeedRow,
  feedRounds,
  feeds,
} from '../db/schema.ts';
import { VeritasError } from '../errors.ts';
import type { AppendedRound, DatasetHistory, FeedState, IndexedFacts, OnChainDataset } from './chain.ts';

const lower = (a: string) => a.toLowerCase();

const datasetOf = (r: DatasetRow): OnChainDataset => ({
  id: BigInt(r.id),
  owner: r.owner as Address,
  version: r.version,
  root: r.root as Hex,
  metadataCid: r.metadataCid,
});

const feedOf = (r: FeedRow): FeedState => ({
  id: BigInt(r.id),
  owner: r.owner as Address,
  paused: r.paused,
  cancelled: r.cancelled,
  interval: r.interval,
  firstRound: r.firstRound,
  end: r.end,
  rounds: r.rounds,
  feePerRound: BigInt(r.feePerRound),
  escrow: BigInt(r.escrow),
  specCid: r.specCid,
  quorum: r.quorum,
});

/** Every indexed dataset of `registry`, by number. */
export async function listDatasets(db: Database, registry: Address): Promise<OnChainDataset[]> {
  const rows = await db
    .select()
    .from(datasets)
    .where(eq(datasets.registry, lower(registry)))
    .orderBy(asc(datasets.id));
  return rows.map(datasetOf);
}

export async function getDataset(db: Database, registry: Address, id: bigint): Promise<OnChainDataset | undefined> {
  if (id < 1n || id > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  const [row] = await db
    .select()
    .from(datasets)
    .where(and(eq(datasets.registry, lower(registry)), eq(datasets.id, Number(id))));
  return row ? datasetOf(row) : undefined;
}

/** The dataset's versions in order, as appended rounds (index = version − 1). */
export async function indexedRounds(db: Database, registry: Address, id: bigint): Promise<AppendedRound[]> {
  const rows = await db
    .select()
    .from(datasetVersions)
    .where(and(eq(datasetVersions.registry, lower(registry)), eq(datasetVersions.datasetId, Number(id))))
    .orderBy(asc(datasetVersions.version));
  return rows.map((v) => ({
    index: v.version - 1,
    requestId: v.requestId as Hex,
    requestRoot: v.requestRoot as Hex,
    blockNumber: BigInt(v.blockNumber),
    timestamp: v.timestamp,
  }));
}

/** Which indexed feed round opened a request, if any. */
export async function indexedFeedRound(
  db: Database,
  registry: Address,
  requestId: Hex,
): Promise<{ feedId: bigint; round: number } | undefined> {
  const [r] = await db
    .select()
    .from(feedRounds)
    .where(and(eq(feedRounds.registry, lower(registry)), eq(feedRounds.requestId, lower(requestId))));
  return r ? { feedId: BigInt(r.feedId), round: r.round } : undefined;
}

/** The dataset's sources, its feeds' rounds and its versions: datasetHistory's answer, from the database. */
export async function indexedHistory(db: Database, registry: Address, id: bigint): Promise<DatasetHistory> {
  const reg = lower(registry);
  const sourceRows = await db
    .select()
    .from(datasetSources)
    .where(and(eq(datasetSources.registry, reg), eq(datasetSources.datasetId, Number(id))))
    .orderBy(asc(datasetSources.blockNumber), asc(datasetSources.logIndex));
  const feedIds = sourceRows.flatMap((s) => (s.feedId === null ? [] : [s.feedId]));
  const feedRows =
    feedIds.length === 0
      ? []
      : await db
          .select()
          .from(feeds)
          .where(and(eq(feeds.registry, reg), inArray(feeds.id, feedIds)));
  const feedById = new Map(feedRows.map((f) => [f.id, f]));
  const sources: DatasetHistory['sources'] = [];
  // feeds first, then one-shot requests, as datasetHistory orders them
  for (const f of feedIds) {
    const row = feedById.get(f);
    if (row) sources.push({ kind: 'feed', feed: feedOf(row) });
  }
  for (const s of sourceRows)
    if (s.requestId !== null) sources.push({ kind: 'request', requestId: s.requestId as Hex });
  const roundRows =
    feedIds.length === 0
      ? []
      : await db
          .select()
          .from(feedRounds)
          .where(and(eq(feedRounds.registry, reg), inArray(feedRounds.feedId, feedIds)))
          .orderBy(asc(feedRounds.blockNumber), asc(feedRounds.round));
  const versionRows = await db
    .select()
    .from(datasetVersions)
    .where(and(eq(datasetVersions.registry, reg), eq(datasetVersions.datasetId, Number(id))))
    .orderBy(asc(datasetVersions.version));
  return {
    sources,
    rounds: roundRows.map((r) => ({
      feedId: BigInt(r.feedId),
      round: r.round,
      requestId: r.requestId as Hex,
      poker: r.poker as Address,
      timestamp: r.timestamp,
    })),
    versions: versionRows.map((v) => ({
      version: v.version,
      root: v.root as Hex,
      requestId: v.requestId as Hex,
      requestRoot: v.requestRoot as Hex,
      recordCount: v.recordCount,
      timestamp: v.timestamp,
    })),
  };
}

/** The facts a snapshot of dataset `id` needs (snapshotInputOf's `indexed`), from the database. */
export function indexedFacts(db: Database, registry: Address, id: bigint): IndexedFacts {
  return {
    rounds: () => indexedRounds(db, registry, id),
    feedRound: (requestId) => indexedFeedRound(db, registry, requestId),
    async versionRoot(version) {
      const [v] = await db
        .select({ root: datasetVersions.root })
        .from(datasetVersions)
        .where(
          and(
            eq(datasetVersions.registry, lower(registry)),
            eq(datasetVersions.datasetId, Number(id)),
            eq(datasetVersions.version, version),
          ),
        );
      if (!v)
        throw new VeritasError('NOT_FOUND', `version ${version} of dataset ${id} is not indexed here yet`, {
          field: 'version',
        });
      return v.root as Hex;
    },
  };
}
