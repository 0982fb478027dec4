// /v1/datasets over a real anvil (OracleHub + DatasetRegistry), PGlite and Helia: list, detail with versions, each
// version's snapshot files served immutable (ETag, 304, long cache) and loadable, the CAR re-importable, and a
// version not yet on-chain answered 404, never an empty 200.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { type Address, type Hex, parseEventLogs } from 'viem';
import { createApi } from '../../api/app.ts';
import { isKnownBundle } from '../../api/queries.ts';
import { hashJson } from '../../core/canonical.ts';
import { deployAndWait, oracleHubAbi } from '../../core/chain/contracts.ts';
import { accumulatorRoot, roundLeaf } from '../../core/dataset/accumulator.ts';
import { datasetRegistryAbi } from '../../core/dataset/chain.ts';
import { cursorName, indexRegistryRange, startRegistryIndexer } from '../../core/dataset/indexer.ts';
import {
  chainCursors,
  datasetSources,
  datasets,
  datasetVersions,
  records as recordsTable,
  requests,
} from '../../core/db/schema.ts';
import { createIpfs } from '../../core/ipfs.ts';
import { buildRecordTree } from '../../core/merkle.ts';
import type { DatasetRecord } from '../../schemas/record.ts';
import type { RequestSpec } from '../../schemas/spec.ts';
import { datasetRegistryBytecode } from '../../oracle-contracts/generated/artifacts.ts';
import { API_KEY, type Env, log, startEnv } from '../api/harness.ts';
import { jsonCid } from '../../core/dataset/cid.ts';
import { makeRequest, respondAll, resultHashOf, send } from '../contracts/fixture.ts';
import { checkCroissant, jsonlRows } from './croissant-check.ts';
import { round as fixtureRound } from './fixture.ts';

let env: Env;
let registry: Address;
let datasetId: bigint;
const roots: { requestId: Hex; root: Hex }[] = [];
const URL_ = 'https://prices.fixture.test/v1/price';

/** A request made, answered and fulfilled on-chain with a real record tree, its rows written as the aggregator does. */
async function fulfilledRequest(i: number, value: number) {
  const v = env.v;
  const r = await makeRequest(v, { quorum: 2, spec: `price-${i}`, ttl: 3600 });
  await respondAll(v, r);
  const built = fixtureRound('x', i, URL_, [value], 1_767_225_600 + 600 * i);
  const record = { ...built.records[0]!.record, requestId: r.requestId };
  const recordHash = hashJson(record);
  // hub v2: the leaf commits the value hash the hub accepts at fulfil (what respondAll's provers attested)
  const valueHash = resultHashOf('result');
  const tree = buildRecordTree([{ requestId: r.requestId, index: 0, valueHash, recordHash }]);
  await send(v.chain, v.aggregator, {
    address: v.hub,
    abi: oracleHubAbi,
    functionName: 'fulfill',
    args: [r.requestId, tree.root, 'bafyreport', r.provers.slice(0, 2), valueHash, 1],
  });
  const id = r.requestId.toLowerCase() as Hex;
  await env.db.db.insert(requests).values({
    id,
    consumer: v.consumer.account.address.toLowerCase(),
    specHash: hashJson({ i }),
    specCid: record.specCid,
    // a partial spec: the dataset exports read only its url
    spec: { url: URL_ } as RequestSpec,
    quorum: 2,
    deadline: Number(r.deadline),
    fee: '300000000000000000',
    status: 'fulfilled',
    merkleRoot: tree.root,
    fulfilledAt: new Date(),
  });
  await env.db.db.insert(recordsTable).values({
    id: tree.leafHash(0),
    requestId: id,
    index: 0,
    value,
    leafHash: tree.leafHash(0),
    proof: tree.proof(0),
    provenance: record as DatasetRecord, // built by hand above, the shape the aggregator stores
  });
  return { requestId: id, root: tree.root };
}

before(async () => {
  env = await startEnv();
  const v = env.v;
  registry = (
    await deployAndWait(
      { walletClient: v.deployer, publicClient: v.chain.publicClient },
      { abi: datasetRegistryAbi, bytecode: datasetRegistryBytecode, args: [v.hub, 0n] },
    )
  ).address;
  const a = await fulfilledRequest(1, 100.5);
  const b = await fulfilledRequest(2, 101.25);
  const metadataCid = await env.ipfs.addJson({
    name: 'Fixture price',
    description: 'Two one-shot reads of the fixture price.',
    license: 'CC-BY-4.0',
    creator: { name: 'Data team' },
  });
  const receipt = await send(v.chain, v.consumer, {
    address: registry,
    abi: datasetRegistryAbi,
    functionName: 'createDataset',
    args: [metadataCid, [], [a.requestId, b.requestId]],
  });
  datasetId = parseEventLogs({ abi: datasetRegistryAbi, logs: receipt.logs, eventName: 'DatasetCreated' })[0]!.args
    .datasetId;
  for (const r of [a, b]) {
    await send(v.chain, v.reporter, {
      address: registry,
      abi: datasetRegistryAbi,
      functionName: 'appendRound',
      args: [datasetId, r.requestId],
    });
    roots.push(r);
  }
  // /v1/datasets reads the registry's events from the database (startApi keeps them indexed; createApi does not)
  await indexer().sync();
});
after(async () => {
  await env?.close();
});

const indexer = () =>
  startRegistryIndexer({ db: env.db.db, publicClient: env.v.chain.publicClient, registry, log }, { run: false });

const deps = () => {
  const d = env.deps({ api: { publicUrl: 'https://data.veritas.example' } });
  return { ...d, chain: { ...d.chain, datasetRegistry: registry } };
};

describe('/v1/datasets', () => {
  it('lists datasets and details one with a version per appended round', async () => {
    const app = createApi(deps());
    const list = (await (await app.request('/v1/datasets')).json()) as { items: { id: string; version: number }[] };
    assert.deepEqual(
      list.items.map((d) => [d.id, d.version]),
      [[String(datasetId), 2]],
    );
    const res = await app.request(`/v1/datasets/${datasetId}`);
    assert.equal(res.status, 200);
    const d = (await res.json()) as {
      root: Hex;
      metadata: { name: string };
      versions: { version: number; requestId: Hex; links: Record<string, string> }[];
    };
    assert.equal(d.metadata.name, 'Fixture price');
    assert.equal(d.root, accumulatorRoot(roots.map((r) => roundLeaf(r.requestId, r.root))));
    assert.deepEqual(
      d.versions.map((x) => [x.version, x.requestId]),
      roots.map((r, i) => [i + 1, r.requestId]),
    );
    assert.equal(d.versions[1]!.links['croissant.json'], `/v1/datasets/${datasetId}/versions/2/croissant.json`);
    assert.equal((await app.request('/v1/datasets/99')).status, 404);
    assert.equal((await app.request('/v1/datasets/abc')).status, 400);
  });

  it('serves every file of a version immutable, with an ETag that answers 304', async () => {
    const app = createApi(deps());
    for (const [file, type] of [
      ['croissant.json', /^application\/ld\+json/],
      ['README.md', /^text\/markdown/],
      ['records.parquet', /parquet/],
      ['records.jsonl', /jsonl/],
      ['proofs.jsonl', /jsonl/],
      ['snapshot.car', /car/],
    ] as const) {
      const res = await app.request(`/v1/datasets/${datasetId}/versions/2/${file}`);
      assert.equal(res.status, 200, file);
      assert.match(res.headers.get('content-type') ?? '', type, file);
      assert.match(res.headers.get('cache-control') ?? '', /immutable/, file);
      const etag = res.headers.get('etag')!;
      const again = await app.request(`/v1/datasets/${datasetId}/versions/2/${file}`, {
        headers: { 'if-none-match': etag },
      });
      assert.equal(again.status, 304, file);
    }
    const rows = jsonlRows(
      new Uint8Array(await (await app.request(`/v1/datasets/${datasetId}/versions/2/records.jsonl`)).arrayBuffer()),
    );
    assert.deepEqual(
      rows.map((r) => r.value),
      [100.5, 101.25],
    );
    const v1 = jsonlRows(
      new Uint8Array(await (await app.request(`/v1/datasets/${datasetId}/versions/1/records.jsonl`)).arrayBuffer()),
    );
    assert.equal(v1.length, 1, 'version 1 holds the first round only');
  });

  it('a version not on-chain yet is 404, never an empty 200', async () => {
    const app = createApi(deps());
    for (const file of ['croissant.json', 'records.jsonl', 'snapshot.car']) {
      const res = await app.request(`/v1/datasets/${datasetId}/versions/3/${file}`);
      assert.equal(res.status, 404, file);
    }
    assert.equal((await app.request(`/v1/datasets/${datasetId}/versions/0/README.md`)).status, 400);
  });

  it('its Croissant passes the loader checks on the files the API serves at its relative paths', async () => {
    const app = createApi(deps());
    const base = `/v1/datasets/${datasetId}/versions/2`;
    const doc = (await (await app.request(`${base}/croissant.json`)).json()) as Record<string, unknown>;
    assert.equal(doc.license, 'https://spdx.org/licenses/CC-BY-4.0.html');
    assert.equal(doc.url, `https://data.veritas.example/v1/datasets/${datasetId}`);
    const problems = await checkCroissant(
      doc,
      async (contentUrl) => {
        const res = await app.request(`${base}/${contentUrl}`);
        assert.equal(res.status, 200, contentUrl);
        return new Uint8Array(await res.arrayBuffer());
      },
      // Parquet's columns are checked by DuckDB in croissant.test.ts; here the JSONL rows stand for both
      async (file, bytes) =>
        file.encodingFormat === 'application/jsonlines'
          ? jsonlRows(bytes)
          : jsonlRows(new Uint8Array(await (await app.request(`${base}/records.jsonl`)).arrayBuffer())),
    );
    assert.deepEqual(problems, []);
  });

  it('snapshot.car re-imports into a fresh Helia node with the same directory CID', async () => {
    const app = createApi(deps());
    const car = new Uint8Array(
      await (await app.request(`/v1/datasets/${datasetId}/versions/2/snapshot.car`)).arrayBuffer(),
    );
    const dir = await mkdtemp(join(tmpdir(), 'veritas-car-'));
    const fresh = await createIpfs({ dir, network: 'none', log });
    try {
      const [root] = await fresh.importCar(car);
      assert.ok(root);
      const again = await fresh.exportCar(root);
      assert.equal(createHash('sha256').update(again).digest('hex'), createHash('sha256').update(car).digest('hex'));
    } finally {
      await fresh.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the registry index behind /v1/datasets', () => {
  const addAndAppend = async (requestId: Hex) => {
    await send(env.v.chain, env.v.consumer, {
      address: registry,
      abi: datasetRegistryAbi,
      functionName: 'addSources',
      args: [datasetId, [], [requestId]],
    });
    await send(env.v.chain, env.v.reporter, {
      address: registry,
      abi: datasetRegistryAbi,
      functionName: 'appendRound',
      args: [datasetId, requestId],
    });
  };
  type Detail = { version: number; root: Hex; versions: { version: number; requestId: Hex }[] };
  const detail = async (app: ReturnType<typeof createApi>) =>
    (await (await app.request(`/v1/datasets/${datasetId}`)).json()) as Detail;

  it('serves a new version (API and page) once the indexer saw it, and not before', async () => {
    const app = createApi(deps());
    const c = await fulfilledRequest(3, 102);
    await addAndAppend(c.requestId);
    assert.equal((await detail(app)).version, 2, 'not indexed yet');
    assert.equal((await app.request(`/v1/datasets/${datasetId}/versions/3/records.jsonl`)).status, 404);
    await indexer().sync();
    roots.push(c);
    const d = await detail(app);
    assert.equal(d.version, 3);
    assert.equal(d.root, accumulatorRoot(roots.map((r) => roundLeaf(r.requestId, r.root))));
    assert.deepEqual(
      d.versions.map((x) => x.requestId),
      roots.map((r) => r.requestId),
    );
    const v3 = await app.request(`/v1/datasets/${datasetId}/versions/3/records.jsonl`);
    assert.equal(v3.status, 200);
    assert.equal(jsonlRows(new Uint8Array(await v3.arrayBuffer())).length, 3);
    const page = await (await app.request(`/datasets/${datasetId}`)).text();
    assert.match(page, /<tr data-version="3">/);
    assert.match(page, /version 3<\/span>/);
  });

  it('a replayed range, or a version re-mined differently after a reorg, leaves one row per fact', async () => {
    const { db } = env.db;
    const reg = registry.toLowerCase();
    // the facts, not when a row was last written
    const rows = async () => ({
      datasets: (await db.select().from(datasets).where(eq(datasets.registry, reg))).map(
        ({ createdAt: _c, updatedAt: _u, ...d }) => d,
      ),
      sources: await db.select().from(datasetSources).where(eq(datasetSources.registry, reg)),
      versions: await db.select().from(datasetVersions).where(eq(datasetVersions.registry, reg)),
    });
    const opts = { db, publicClient: env.v.chain.publicClient, registry, log };
    const seen = await rows();
    const head = await env.v.chain.publicClient.getBlockNumber({ cacheTime: 0 });
    assert.ok((await indexRegistryRange(opts, 0n, head)) > 0, 'the replay saw the events again');
    assert.deepEqual(await rows(), seen, 'a replay changes nothing');

    // a fork appends request A as version 4; the chain reorganises onto one where request B is version 4
    const [a, b] = [await fulfilledRequest(4, 103), await fulfilledRequest(5, 104)];
    const forkAt = await env.v.chain.testClient.snapshot();
    const from = (await env.v.chain.publicClient.getBlockNumber({ cacheTime: 0 })) + 1n;
    await addAndAppend(a.requestId);
    await indexer().sync();
    assert.equal((await rows()).versions.find((v) => v.version === 4)?.requestId, a.requestId);
    await env.v.chain.testClient.revert({ id: forkAt });
    // the senders' nonces went back with the chain
    for (const w of [env.v.consumer, env.v.reporter])
      w.account.nonceManager?.reset({
        address: w.account.address,
        chainId: await env.v.chain.publicClient.getChainId(),
      });
    await env.v.chain.testClient.mine({ blocks: 2 }); // the new branch's events land in other blocks
    await addAndAppend(b.requestId);
    // a reorg-aware caller re-indexes from the fork point
    await indexRegistryRange(opts, from, await env.v.chain.publicClient.getBlockNumber({ cacheTime: 0 }));
    const after = await rows();
    const v4 = after.versions.filter((v) => v.version === 4);
    assert.equal(v4.length, 1);
    assert.equal(v4[0]!.requestId, b.requestId);
    const root = accumulatorRoot([...roots, b].map((r) => roundLeaf(r.requestId, r.root)));
    assert.equal(v4[0]!.root, root);
    assert.deepEqual(
      after.datasets.map((d) => [d.version, d.root]),
      [[4, root]],
    );
    assert.equal(after.sources.filter((s) => s.requestId === b.requestId).length, 1);
  });
  // Issue 16: an idle chain costs no write per block; a restart rescans the empty blocks and ends at the head
  it('empty blocks leave the cursor row alone, and a restarted indexer still reaches the head', async () => {
    const { db } = env.db;
    const cursor = async () =>
      (
        await db
          .select()
          .from(chainCursors)
          .where(eq(chainCursors.name, cursorName(registry)))
      )[0]?.lastBlock;
    await indexer().sync();
    const recorded = await cursor();
    await env.v.chain.testClient.mine({ blocks: 3 });
    const head = await env.v.chain.publicClient.getBlockNumber({ cacheTime: 0 });
    assert.equal(await indexer().sync(), head);
    assert.equal(await cursor(), recorded, 'no write for a range without logs');
    assert.equal(await indexer().sync(), head, 'a restart rescans from the recorded cursor to the head');
  });
});

describe('/v1/bundles for a verifier', () => {
  it('treats the CIDs the chain names (reports, specs, dataset metadata) as worth fetching, not only bundles', async () => {
    // with its own IPFS node the API holds no report the aggregator pinned: `dataset verify` read them as 404
    const reportCid = await jsonCid({ report: 'pinned on the aggregator' });
    await env.db.db.update(requests).set({ reportCid }).where(eq(requests.id, roots[0]!.requestId));
    const [dataset] = await env.db.db.select().from(datasets).where(eq(datasets.registry, registry.toLowerCase()));
    assert.equal(await isKnownBundle(env.db.db, reportCid), true, 'a request’s report');
    assert.equal(await isKnownBundle(env.db.db, dataset!.metadataCid), true, 'a dataset’s metadata');
    assert.equal(await isKnownBundle(env.db.db, await jsonCid({ nobody: 'names this' })), false);
  });
});

describe('POST /v1/datasets/documents', () => {
  const post = (body: unknown, key: string | null = API_KEY) =>
    createApi(deps()).request('/v1/datasets/documents', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(body),
    });
  const template = { url: URL_, extract: { jsonPath: '$.price' }, quorum: 1 };

  it('pins a feed template under the CID the CLI computes, and a dataset’s metadata', async () => {
    const res = await post({ kind: 'feed-template', document: template });
    assert.equal(res.status, 201);
    const body = (await res.json()) as { cid: string; hash: string };
    assert.equal(body.cid, await jsonCid(template));
    assert.equal(body.hash, hashJson(template));
    assert.equal(await env.ipfs.has(body.cid), true);
    const meta = await post({ kind: 'dataset-metadata', document: { name: 'n', creator: { name: 'c' } } });
    assert.equal(meta.status, 201);
  });

  it('refuses writes without a key, a template with a deadline, and an invalid spec, naming the field', async () => {
    assert.equal((await post({ kind: 'feed-template', document: template }, null)).status, 401);
    const dated = await post({ kind: 'feed-template', document: { ...template, deadline: 5 } });
    assert.equal(dated.status, 400);
    assert.equal(((await dated.json()) as { field: string }).field, 'document.deadline');
    const bad = await post({ kind: 'feed-template', document: { ...template, url: 'http://x.test/' } });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { field: string }).field, /^document\.url/);
  });
});
