// A feed dataset for the page tests: on a real anvil, a DatasetRegistry feed is poked for each round, its request is
// assigned, answered and fulfilled on the hub with a real record tree, and appended to the dataset (versions 1…n);
// the node's rows (request with its spec, records with their sources' values) are written as the indexer and the
// aggregator write them, and the registry's events are indexed (core/dataset/indexer.ts), as startApi's indexer would. No MPC session runs: the pages are about what is shown, core/verify's tests about proofs.
import { type Address, type Hex, parseEther, parseEventLogs } from 'viem';
import { hashJson } from '../../core/canonical.ts';
import { oracleHubAbi } from '../../core/chain/contracts.ts';
import { datasetRegistryAbi } from '../../core/dataset/chain.ts';
import { records, requests } from '../../core/db/schema.ts';
import { buildRecordTree } from '../../core/merkle.ts';
import type { DatasetRecord } from '../../schemas/record.ts';
import type { RequestSpec } from '../../schemas/spec.ts';
import { type Env, log } from '../api/harness.ts';
import { startRegistryIndexer } from '../../core/dataset/indexer.ts';
import { requestFromReceipt, respondAll, resultHashOf, send, timeTravel } from '../contracts/fixture.ts';
import { deployRegistry } from './fixture.ts';

export type SeededDataset = { registry: Address; datasetId: bigint; feedId: bigint; requestIds: Hex[] };

const INTERVAL = 600;

/** `rounds[i]` is round i: its aggregated value and each source's own answer. */
export async function seedFeedDataset(
  env: Env,
  o: {
    metadata: unknown;
    spec?: Record<string, unknown>;
    rounds: { value: number; sources: number[] }[];
  },
): Promise<SeededDataset> {
  const { v, ipfs } = env;
  const chain = v.chain;
  const registry = await deployRegistry(v);
  const owner = v.consumer;
  const template = {
    name: 'Fixture price',
    url: 'https://api.veritas.test/v1/price',
    extract: { jsonPath: '$.price' },
    resultSchema: { type: 'number' },
    value: { type: 'number', precision: 2 },
    aggregation: { policy: 'median', madK: 3, band: 0.01 },
    quorum: 2,
    ...o.spec,
  };
  const specCid = await ipfs.addJson(template);
  const first = (await chain.publicClient.getBlock()).timestamp;
  const created = await send(chain, owner, {
    address: registry,
    abi: datasetRegistryAbi,
    functionName: 'createFeed',
    args: [
      hashJson(template),
      specCid,
      // exact on-chain: every respondAll answer is the same result hash (the page reads values from the rows)
      { quorum: 2, policy: 0, minAgreement: 0, bandBps: 0, window: 600n },
      parseEther('0.01'),
      BigInt(INTERVAL),
      first,
      0n,
    ],
    value: parseEther('1'),
  });
  const feedId = parseEventLogs({ abi: datasetRegistryAbi, logs: created.logs, eventName: 'FeedCreated' })[0]!.args
    .feedId;
  const metadataCid = await ipfs.addJson(o.metadata);
  const ds = await send(chain, owner, {
    address: registry,
    abi: datasetRegistryAbi,
    functionName: 'createDataset',
    args: [metadataCid, [feedId], []],
  });
  const datasetId = parseEventLogs({ abi: datasetRegistryAbi, logs: ds.logs, eventName: 'DatasetCreated' })[0]!.args
    .datasetId;
  const valueHash = resultHashOf('result'); // what respondAll's provers attest
  const requestIds: Hex[] = [];
  for (const [i, round] of o.rounds.entries()) {
    if (i > 0) await timeTravel(chain, INTERVAL);
    const poked = await send(chain, v.reporter, {
      address: registry,
      abi: datasetRegistryAbi,
      functionName: 'poke',
      args: [feedId],
      gas: 3_000_000n,
    });
    const r = await requestFromReceipt(v, poked);
    await respondAll(v, r);
    const requestId = r.requestId.toLowerCase() as Hex;
    const tlsTime = Number((await chain.publicClient.getBlock()).timestamp);
    const record: DatasetRecord = {
      version: 1,
      chainId: chain.anvil.chainId,
      hub: v.hub.toLowerCase() as Hex,
      requestId,
      index: 0,
      value: round.value,
      url: template.url,
      specCid,
      extract: { jsonPath: '$.price' },
      policy: { policy: 'median', madK: 3, band: 0.01 },
      trust: 'devnet',
      sources: round.sources.map((value, k) => ({
        prover: r.provers[k]!.toLowerCase() as Hex,
        notary: r.notaries[k]!.toLowerCase() as Hex,
        bundleCid: specCid,
        serverName: new URL(template.url).hostname,
        tlsTime: tlsTime + k,
        resultHash: hashJson(value),
        value,
      })),
    };
    const tree = buildRecordTree([{ requestId, index: 0, valueHash, recordHash: hashJson(record) }]);
    await send(chain, v.aggregator, {
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'fulfill',
      args: [r.requestId, tree.root, specCid, r.provers.slice(0, 2), valueHash, 1],
    });
    await send(chain, v.reporter, {
      address: registry,
      abi: datasetRegistryAbi,
      functionName: 'appendRound',
      args: [datasetId, r.requestId],
    });
    await env.db.db.insert(requests).values({
      id: requestId,
      consumer: registry.toLowerCase(),
      specHash: hashJson(template),
      specCid,
      spec: { ...template, deadline: Number(r.deadline) } as unknown as RequestSpec,
      quorum: 2,
      deadline: Number(r.deadline),
      fee: String(parseEther('0.01')),
      status: 'fulfilled',
      merkleRoot: tree.root,
      reportCid: specCid,
      fulfilledAt: new Date(),
    });
    const leaf = tree.leafHash(0);
    await env.db.db.insert(records).values({
      id: leaf,
      requestId,
      index: 0,
      value: round.value,
      leafHash: leaf,
      proof: tree.proof(0),
      provenance: record,
    });
    requestIds.push(requestId);
  }
  await startRegistryIndexer({ db: env.db.db, publicClient: chain.publicClient, registry, log }, { run: false }).sync();
  return { registry, datasetId, feedId, requestIds };
}
