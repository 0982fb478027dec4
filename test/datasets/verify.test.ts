// Verifying a snapshot trusting only the RPC and IPFS: it is rebuilt from the chain and the pinned reports and must
// match byte for byte; an edited row fails naming the file and the row, an unknown version fails its check.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { type Address, type Hex, parseEventLogs } from 'viem';
import { hashJson } from '../../core/canonical.ts';
import { oracleHubAbi } from '../../core/chain/contracts.ts';
import { datasetRegistryAbi, readDataset, snapshotInputOf } from '../../core/dataset/chain.ts';
import { buildSnapshot, type SnapshotFile } from '../../core/dataset/snapshot.ts';
import { reportRecords, verifySnapshot } from '../../core/dataset/verify.ts';
import { createIpfs, type IpfsNode } from '../../core/ipfs.ts';
import { buildRecordTree } from '../../core/merkle.ts';
import type { AggregateReport, DatasetRecord } from '../../schemas/record.ts';
import { type Chain, makeRequest, respondAll, resultHashOf, send, type Veritas } from '../contracts/fixture.ts';
import { datasetChain, round as fixtureRound } from './fixture.ts';

let chain: Chain;
let v: Veritas;
let ipfs: IpfsNode;
let dir: string;
let registry: Address;
let datasetId: bigint;

async function fulfilledWithReport(i: number, value: number): Promise<Hex> {
  const r = await makeRequest(v, { quorum: 2, spec: `price-${i}`, ttl: 3600 });
  await respondAll(v, r);
  const built = fixtureRound('x', i, 'https://prices.fixture.test/v1/price', [value], 1_767_225_600 + 600 * i);
  const record = {
    ...built.records[0]!.record,
    requestId: r.requestId,
    hub: v.hub.toLowerCase() as Hex,
    chainId: chain.anvil.chainId,
  };
  // hub v2: the leaf commits the value hash the hub accepts at fulfil, the included responses' result hash
  const valueHash = resultHashOf('result'); // what respondAll's provers attested
  const tree = buildRecordTree([{ requestId: r.requestId, index: 0, valueHash, recordHash: hashJson(record) }]);
  const report: AggregateReport = {
    version: 1,
    chainId: chain.anvil.chainId,
    hub: v.hub.toLowerCase() as Hex,
    requestId: r.requestId,
    specCid: record.specCid,
    policy: { policy: 'exact' },
    leafEncoding: ['bytes32', 'uint256', 'bytes32', 'bytes32'],
    merkleRoot: tree.root,
    records: [record as DatasetRecord],
    included: r.provers.slice(0, 2).map((a) => a.toLowerCase() as Hex),
    excluded: [],
    aggregator: v.aggregator.account.address.toLowerCase() as Hex,
    createdAt: new Date(0).toISOString(),
  };
  const reportCid = await ipfs.addJson(report);
  await send(chain, v.aggregator, {
    address: v.hub,
    abi: oracleHubAbi,
    functionName: 'fulfill',
    args: [r.requestId, tree.root, reportCid, r.provers.slice(0, 2), valueHash, 1],
  });
  return r.requestId;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veritas-verify-ds-'));
  ipfs = await createIpfs({ dir, network: 'none', log: pino({ level: 'silent' }) });
  ({ chain, v, registry } = await datasetChain(20, 0n));
  const ids = [
    await fulfilledWithReport(1, 100.5),
    await fulfilledWithReport(2, 101.25),
    await fulfilledWithReport(3, 99),
  ];
  const metadataCid = await ipfs.addJson({
    name: 'Fixture price',
    description: 'three reads',
    creator: { name: 'team' },
  });
  const receipt = await send(chain, v.consumer, {
    address: registry,
    abi: datasetRegistryAbi,
    functionName: 'createDataset',
    args: [metadataCid, [], ids],
  });
  datasetId = parseEventLogs({ abi: datasetRegistryAbi, logs: receipt.logs, eventName: 'DatasetCreated' })[0]!.args
    .datasetId;
  for (const id of ids)
    await send(chain, v.reporter, {
      address: registry,
      abi: datasetRegistryAbi,
      functionName: 'appendRound',
      args: [datasetId, id],
    });
});
after(async () => {
  await ipfs?.stop();
  await chain?.anvil.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const getJson = (cid: string) => ipfs.getJson(cid);
const snapshot = async (version: number): Promise<SnapshotFile[]> => {
  const dataset = (await readDataset(chain.publicClient, registry, datasetId))!;
  const input = await snapshotInputOf({
    client: chain.publicClient,
    registry,
    hub: v.hub,
    chainId: chain.anvil.chainId,
    dataset,
    metadata: (await getJson(dataset.metadataCid)) as never,
    version,
    records: reportRecords(chain.publicClient, v.hub, getJson),
  });
  return buildSnapshot(input).files;
};
const verify = (version: number, files: SnapshotFile[]) =>
  verifySnapshot({
    client: chain.publicClient,
    registry,
    hub: v.hub,
    chainId: chain.anvil.chainId,
    datasetId,
    version,
    getJson,
    files,
  });

describe('verify a dataset snapshot', () => {
  it('passes version 3 against the chain and IPFS', async () => {
    const result = await verify(3, await snapshot(3));
    assert.equal(result.ok, true, JSON.stringify(result.failed));
    for (const name of [
      'version-root',
      'request-roots',
      'accumulator',
      'file:data/records.jsonl',
      'file:data/records.parquet',
    ])
      assert.ok(
        result.checks.some((c) => c.name === name && c.ok),
        name,
      );
  });

  it('fails naming the file and the row when one row is edited', async () => {
    const files = await snapshot(3);
    const jsonl = files.find((f) => f.path === 'data/records.jsonl')!;
    const lines = new TextDecoder().decode(jsonl.bytes).split('\n');
    lines[1] = lines[1]!.replace('101.25', '111.25');
    jsonl.bytes = new TextEncoder().encode(lines.join('\n'));
    const result = await verify(3, files);
    assert.equal(result.ok, false);
    assert.equal(result.failed?.name, 'file:data/records.jsonl');
    assert.match(result.failed?.detail ?? '', /line 2/);
  });

  it('fails a version that is not on-chain, and a snapshot of another version', async () => {
    const missing = await verify(4, await snapshot(3));
    assert.equal(missing.failed?.name, 'version-root');
    const other = await verify(3, await snapshot(2));
    assert.equal(other.ok, false);
    assert.match(other.failed?.name ?? '', /^file:/);
  });
});
