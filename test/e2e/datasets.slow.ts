// A many-source dataset on the devnet with real MPC-TLS: `veritas dataset create --sources sources.jsonl` with one
// spec per line (N URLs of the fixture site, each its own spec) sends N requests through the API and creates the
// dataset in one transaction; once every request is fulfilled, `veritas keeper --once` (any account) appends them all;
// version N's snapshot CAR, served by the API, re-imports into a fresh Helia node with identical CIDs.
//
// N is VERITAS_E2E_SOURCES (default 50; e.g. 3 to debug the path in a few minutes). One MPC session per source, at
// most two at once (sizing: datasets-devnet.ts): ~42 CPU-s each on 2 cores, so 50 sources need ≥ 18 min idle, more
// under load (`npm run e2e:datasets` runs it with a 25-minute budget).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import type { Hex } from 'viem';
import { datasetHistory, readDataset } from '../../core/dataset/chain.ts';
import { createIpfs, type IpfsNode } from '../../core/ipfs.ts';
import { type DatasetDevnet, priceSpec, requestFulfilled, startDatasetDevnet } from './datasets-devnet.ts';

const N = Number(process.env.VERITAS_E2E_SOURCES ?? 50);
let d: DatasetDevnet;
let fresh: IpfsNode | undefined;
let freshDir: string | undefined;

before(async () => {
  assert.ok(Number.isInteger(N) && N >= 1 && N <= 200, 'VERITAS_E2E_SOURCES must be 1…200');
  d = await startDatasetDevnet();
});
after(async () => {
  await fresh?.stop();
  if (freshDir) await rm(freshDir, { recursive: true, force: true });
  await d?.stop();
});

test(`a ${N}-source dataset from a sources file is created, fulfilled, appended, and its CAR re-imports`, async () => {
  const { devnet } = d;
  // the API sends the spec sources with its own key, so the dataset's creator must be that consumer
  const consumer = devnet.keys[devnet.operators.length + 1]!;
  const now = Number((await devnet.deployer.publicClient.getBlock()).timestamp);
  const sources = Array.from({ length: N }, (_, i) => ({
    spec: { ...priceSpec(`VRT price, source ${i + 1}`, `?source=${i + 1}`), deadline: now + 5 * 3600 },
    fee: String(10n ** 15n),
  }));
  const metadata = {
    name: `${N} fixture prices`,
    description: `${N} sources, one spec each.`,
    creator: { name: 'QA' },
  };
  const datasetId = await d.createDataset(consumer, { metadata, sources, api: devnet.api.url });
  const history = await datasetHistory(devnet.deployer.publicClient, d.registry, datasetId);
  const requestIds = history.sources.flatMap((s) => (s.kind === 'request' ? [s.requestId as Hex] : []));
  assert.equal(requestIds.length, N, 'every line is a source of the dataset');
  assert.equal(new Set(requestIds).size, N);

  await Promise.all(requestIds.map((id) => requestFulfilled(d, id)));
  const appended = await d.veritas(await d.fundedKey(), 'keeper', '--once');
  assert.equal(appended.split('\n').filter((l) => /^dataset \d+ version \d+: appended/.test(l)).length, N);
  assert.equal((await readDataset(devnet.deployer.publicClient, d.registry, datasetId))?.version, N);
  await d.api.syncDatasets!(); // the API serves what its registry indexer saw: version N now

  const base = `${d.api.url}/v1/datasets/${datasetId}/versions/${N}`;
  const jsonl = await (await fetch(`${base}/records.jsonl`)).text();
  assert.equal(jsonl.split('\n').filter((l) => l !== '').length, N);
  const res = await fetch(`${base}/snapshot.car`);
  assert.equal(res.status, 200);
  const car = new Uint8Array(await res.arrayBuffer());
  freshDir = await mkdtemp(path.join(tmpdir(), 'veritas-fresh-'));
  fresh = await createIpfs({ dir: freshDir, network: 'none', log: pino({ level: 'silent' }) });
  const [root, ...more] = await fresh.importCar(car);
  assert.deepEqual(more, [], 'one root: the snapshot directory');
  assert.ok(await devnet.ipfs.isPinned(root!), 'the root the API pinned');
  assert.deepEqual(await fresh.exportCar(root!), car, 'the fresh node holds the same blocks under the same CIDs');
});
