// A dataset as the chain states it (DatasetRegistry reads and RoundAppended logs) and the snapshot input of one of
// its versions, assembled from that and a record source (the node's database, or the reports on IPFS).
import { z } from 'zod';
import { type Address, type Hex, parseEventLogs } from 'viem';
import { datasetRegistryAbi } from '../../oracle-contracts/generated/artifacts.ts';
import type { VeritasPublicClient } from '../chain/clients.ts';
import { VeritasError } from '../errors.ts';
import type { ProvedRecord } from '../../schemas/record.ts';
import { LicenseDecl } from './license.ts';
import type { SnapshotInput } from './snapshot.ts';

export { datasetRegistryAbi };

/** The dataset's metadata document, pinned to IPFS; its CID is the on-chain `metadataCid`. */
export const DatasetMetadata = z
  .object({
    name: z.string().min(1).max(200),
    description: z.string().max(5000).default(''),
    license: LicenseDecl.optional(),
    creator: z
      .object({
        name: z.string().min(1).max(200),
        url: z.string().url().optional(),
        type: z.enum(['Person', 'Organization']).optional(),
      })
      .strict(),
  })
  .strict();
export type DatasetMetadata = z.infer<typeof DatasetMetadata>;

export type OnChainDataset = { id: bigint; owner: Address; version: number; root: Hex; metadataCid: string };
export type AppendedRound = { index: number; requestId: Hex; requestRoot: Hex; blockNumber: bigint; timestamp: number };

export async function readDataset(
  client: VeritasPublicClient,
  registry: Address,
  id: bigint,
): Promise<OnChainDataset | undefined> {
  const count = await client.readContract({ address: registry, abi: datasetRegistryAbi, functionName: 'datasetCount' });
  if (id < 1n || id > count) return undefined;
  const d = await client.readContract({
    address: registry,
    abi: datasetRegistryAbi,
    functionName: 'getDataset',
    args: [id],
  });
  return { id, owner: d.owner, version: Number(d.version), root: d.root, metadataCid: d.metadataCid };
}

export const datasetCount = async (client: VeritasPublicClient, registry: Address): Promise<number> =>
  Number(await client.readContract({ address: registry, abi: datasetRegistryAbi, functionName: 'datasetCount' }));

/** The dataset's appended rounds in accumulator order, from its RoundAppended logs, with their block times. */
export async function appendedRounds(
  client: VeritasPublicClient,
  registry: Address,
  id: bigint,
  fromBlock = 0n,
): Promise<AppendedRound[]> {
  const logs = await client.getLogs({ address: registry, fromBlock, toBlock: 'latest' });
  const events = parseEventLogs({ abi: datasetRegistryAbi, logs, eventName: 'RoundAppended' }).filter(
    (e) => e.args.datasetId === id,
  );
  const times = new Map<bigint, number>();
  for (const e of events)
    if (!times.has(e.blockNumber))
      times.set(e.blockNumber, Number((await client.getBlock({ blockNumber: e.blockNumber })).timestamp));
  return events
    .map((e) => ({
      index: Number(e.args.index),
      requestId: e.args.requestId.toLowerCase() as Hex,
      requestRoot: e.args.requestRoot.toLowerCase() as Hex,
      blockNumber: e.blockNumber,
      timestamp: times.get(e.blockNumber)!,
    }))
    .sort((a, b) => a.index - b.index);
}

/** Which feed round opened a request, if any. */
export async function feedRoundOf(
  client: VeritasPublicClient,
  registry: Address,
  requestId: Hex,
): Promise<{ feedId: bigint; round: number } | undefined> {
  const r = await client.readContract({
    address: registry,
    abi: datasetRegistryAbi,
    functionName: 'roundOf',
    args: [requestId],
  });
  return r.exists ? { feedId: r.feedId, round: Number(r.round) } : undefined;
}

/** What a snapshot needs from the registry beyond the dataset's head: its rounds, their feeds, a version's root. */
export type IndexedFacts = {
  rounds(): Promise<AppendedRound[]>;
  feedRound(requestId: Hex): Promise<{ feedId: bigint; round: number } | undefined>;
  versionRoot(version: number): Promise<Hex>;
};

/** Where the records of one request come from: they must be the request's, under the on-chain root. */
export type RecordSource = (requestId: Hex, requestRoot: Hex) => Promise<ProvedRecord[]>;

/**
 * The snapshot input of version `version`: the first `version` appended rounds, each with its records and its
 * source (the feed that opened it, or the one-shot request itself). Dates are block times, so every node that
 * assembles the same version gets the same bytes.
 */
export async function snapshotInputOf(p: {
  client: VeritasPublicClient;
  registry: Address;
  hub?: Address;
  chainId: number;
  dataset: OnChainDataset;
  metadata: DatasetMetadata;
  version: number;
  records: RecordSource;
  url?: string;
  fromBlock?: bigint;
  /** The registry's facts as an index holds them (core/dataset/store.ts); default: read from the chain. */
  indexed?: IndexedFacts;
}): Promise<SnapshotInput> {
  if (!Number.isSafeInteger(p.version) || p.version < 1 || p.version > p.dataset.version)
    throw new VeritasError(
      'NOT_FOUND',
      `dataset ${p.dataset.id} has no version ${p.version} (latest ${p.dataset.version})`,
      {
        field: 'version',
      },
    );
  const facts: IndexedFacts = p.indexed ?? {
    rounds: () => appendedRounds(p.client, p.registry, p.dataset.id, p.fromBlock),
    feedRound: (requestId) => feedRoundOf(p.client, p.registry, requestId),
    versionRoot: async (v) =>
      (await p.client.readContract({
        address: p.registry,
        abi: datasetRegistryAbi,
        functionName: 'versionRoot',
        args: [p.dataset.id, BigInt(v)],
      })) as Hex,
  };
  const rounds = (await facts.rounds()).slice(0, p.version);
  if (rounds.length !== p.version)
    throw new VeritasError('CHAIN_ERROR', `found ${rounds.length} RoundAppended logs for version ${p.version}`);
  const sources = new Map<string, { id: string; kind: 'feed' | 'request'; url: string }>();
  const out: SnapshotInput['rounds'] = [];
  for (const r of rounds) {
    const records = await p.records(r.requestId, r.requestRoot);
    if (records.length === 0)
      throw new VeritasError('NOT_FOUND', `no records of request ${r.requestId} (round ${r.index} of the dataset)`, {
        field: 'requestId',
      });
    const feed = await facts.feedRound(r.requestId);
    const sourceId = feed ? `feed-${feed.feedId}` : `request-${r.requestId}`;
    if (!sources.has(sourceId))
      sources.set(sourceId, { id: sourceId, kind: feed ? 'feed' : 'request', url: records[0]!.record.url });
    out.push({
      sourceId,
      round: feed?.round ?? 0,
      requestId: r.requestId,
      requestRoot: r.requestRoot,
      fulfilledAt: new Date(r.timestamp * 1000).toISOString(),
      records,
    });
  }
  return {
    dataset: {
      id: String(p.dataset.id),
      name: p.metadata.name,
      description: p.metadata.description,
      ...(p.metadata.license ? { license: p.metadata.license } : {}),
      creator: p.metadata.creator,
      version: p.version,
      live: [...sources.values()].some((s) => s.kind === 'feed'),
      chainId: p.chainId,
      registry: p.registry,
      ...(p.hub ? { hub: p.hub } : {}),
      root: await facts.versionRoot(p.version),
      publishedAt: new Date(rounds[0]!.timestamp * 1000).toISOString(),
      ...(p.url ? { url: p.url } : {}),
    },
    sources: [...sources.values()],
    rounds: out,
  };
}

export type FeedState = {
  id: bigint;
  owner: Address;
  paused: boolean;
  cancelled: boolean;
  interval: number;
  firstRound: number;
  end: number;
  rounds: number;
  feePerRound: bigint;
  escrow: bigint;
  specCid: string;
  quorum: number;
};

export async function readFeed(client: VeritasPublicClient, registry: Address, id: bigint): Promise<FeedState> {
  const f = await client.readContract({
    address: registry,
    abi: datasetRegistryAbi,
    functionName: 'getFeed',
    args: [id],
  });
  return {
    id,
    owner: f.owner,
    paused: f.paused,
    cancelled: f.cancelled,
    interval: Number(f.interval),
    firstRound: Number(f.firstRound),
    end: Number(f.end),
    rounds: Number(f.rounds),
    feePerRound: f.feePerRound,
    escrow: f.escrow,
    specCid: f.specCid,
    quorum: Number(f.terms.quorum),
  };
}

/** What the chain says about one dataset beyond its head: its sources, its feeds' opened rounds and its versions. */
export type DatasetHistory = {
  sources: ({ kind: 'feed'; feed: FeedState } | { kind: 'request'; requestId: Hex })[];
  /** Rounds opened by the dataset's feeds (FeedPoked), in order, with who poked them and when. */
  rounds: { feedId: bigint; round: number; requestId: Hex; poker: Address; timestamp: number }[];
  versions: { version: number; root: Hex; requestId: Hex; requestRoot: Hex; recordCount: number; timestamp: number }[];
};

/** Reads a dataset's history from the registry's logs (one getLogs; block times read once per block). */
export async function datasetHistory(
  client: VeritasPublicClient,
  registry: Address,
  id: bigint,
  fromBlock = 0n,
): Promise<DatasetHistory> {
  const logs = await client.getLogs({ address: registry, fromBlock, toBlock: 'latest' });
  const events = parseEventLogs({ abi: datasetRegistryAbi, logs });
  const times = new Map<bigint, number>();
  const timeOf = async (block: bigint) => {
    if (!times.has(block)) times.set(block, Number((await client.getBlock({ blockNumber: block })).timestamp));
    return times.get(block)!;
  };
  const feedIds: bigint[] = [];
  const requestSources: DatasetHistory['sources'] = [];
  const appended = new Map<number, { requestId: Hex; requestRoot: Hex }>();
  const versions: DatasetHistory['versions'] = [];
  for (const e of events) {
    if (e.eventName === 'SourceAdded' && e.args.datasetId === id) {
      if (e.args.feedId !== 0n) feedIds.push(e.args.feedId);
      else requestSources.push({ kind: 'request', requestId: e.args.requestId.toLowerCase() as Hex });
    } else if (e.eventName === 'RoundAppended' && e.args.datasetId === id)
      appended.set(Number(e.args.index) + 1, {
        requestId: e.args.requestId.toLowerCase() as Hex,
        requestRoot: e.args.requestRoot.toLowerCase() as Hex,
      });
    else if (e.eventName === 'DatasetVersion' && e.args.datasetId === id) {
      const v = Number(e.args.version);
      const a = appended.get(v);
      if (a)
        versions.push({
          version: v,
          root: e.args.root.toLowerCase() as Hex,
          ...a,
          recordCount: Number(e.args.recordCount),
          timestamp: await timeOf(e.blockNumber),
        });
    }
  }
  const sources: DatasetHistory['sources'] = [];
  for (const f of feedIds) sources.push({ kind: 'feed', feed: await readFeed(client, registry, f) });
  sources.push(...requestSources);
  const rounds: DatasetHistory['rounds'] = [];
  for (const e of events)
    if (e.eventName === 'FeedPoked' && feedIds.includes(e.args.feedId))
      rounds.push({
        feedId: e.args.feedId,
        round: Number(e.args.round),
        requestId: e.args.requestId.toLowerCase() as Hex,
        poker: e.args.poker.toLowerCase() as Address,
        timestamp: await timeOf(e.blockNumber),
      });
  return { sources, rounds, versions };
}
