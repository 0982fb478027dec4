// The provenance pages in a real headless Chromium: a fulfilled request's page shows every verification check
// passing (summarised, details on demand), its bundle link leads to the revealed transcript with redactions marked;
// the curator's views (spec name, each source's value, error codes, spares, MPC progress, a median against its band,
// operators' track records, a dataset with its chart); screenshots are saved under test-results/.
//
// The fulfilled request is built honestly on a real anvil rather than by the network: no MPC-TLS session runs here
// (the operator engineers' end-to-end test covers that), so the transcript is one we write and the notary is a test
// key that signs the EIP-712 attestation over it exactly as a notary would. Everything after that is real: the
// bundle is pinned in Helia, `respond` and `fulfill` pass OracleHub's on-chain checks, the Merkle root is on-chain,
// and the page's checks are core/verify's, computed against the chain and IPFS.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import type { Address, Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { signBundle } from '../../core/bundle.ts';
import { hashJson } from '../../core/canonical.ts';
import { hashServerName, signAttestation, toContractAttestation } from '../../core/chain/attestation.ts';
import { assignRequest, oracleHubAbi, requestData, requestParamsOf } from '../../core/chain/contracts.ts';
import {
  assignments,
  bundles,
  operatorJobs,
  operators,
  reports,
  requestEvents,
  requests,
  responses,
} from '../../core/db/schema.ts';
import { encodeOperatorMetadata } from '../../core/operator-metadata.ts';
import { extractFromResponse } from '../../core/extract.ts';
import { buildRecordTree } from '../../core/merkle.ts';
import { TRUST_CODES, type Attestation } from '../../schemas/attestation.ts';
import type { AggregateReport, DatasetRecord, ProvedRecord } from '../../schemas/record.ts';
import { encodeTranscript } from '../../schemas/transcript.ts';
import { transcriptHash } from '../../core/transcript-hash.ts';
import { validateSpec } from '../../schemas/validate.ts';
import { startApi, type RunningApi } from '../../api/app.ts';
import { verifyProvedRecord } from '../../core/verify/proved-record.ts';
import { send, walletOf } from '../contracts/fixture.ts';
import { type Env, hex, seedFulfilled, startEnv } from '../api/harness.ts';
import { seedFeedDataset, type SeededDataset } from '../datasets/seed.ts';
import { launchBrowser } from '../support/browser.ts';
import { storeFulfilment } from '../support/database.ts';
import { exchange } from '../verify/world.ts';

let env: Env;
let api: RunningApi;
let browser: Browser | undefined;
let built: { requestId: Hex; proved: ProvedRecord };
let dataset: SeededDataset;

before(async () => {
  env = await startEnv();
  built = await fulfilledRequest(env);
  dataset = await seedFeedDataset(env, {
    metadata: {
      name: 'Fixture price feed',
      description: 'The fixture price, every ten minutes.',
      creator: { name: 'QA' },
    },
    rounds: [
      { value: 100.25, sources: [100.25, 100.5, 100] },
      { value: 101.5, sources: [101.5, 101.25, 101.75] },
      { value: 99.75, sources: [99.75, 99.5, 100] },
    ],
  });
  const deps = env.deps();
  api = await startApi({
    ...deps,
    chain: { ...deps.chain, datasetRegistry: dataset.registry },
    acceptDevnetProofs: true,
  });
});
after(async () => {
  await browser?.close();
  await api?.close();
  await env?.close();
});

it('shows every verification check passing, links to the bundle, and the bundle shows its transcript', async () => {
  browser = await launchBrowser();
  const page = await browser.newPage();
  // nothing may load from outside this server
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(api.url)) foreign.push(r.url());
  });
  await page.goto(`${api.url}/requests/${built.requestId}`);
  await page
    .getByRole('heading', { name: /Rows of dataset 42/ })
    .first()
    .waitFor();
  const checks = page.locator('[data-check]');
  const names = await checks.evaluateAll((els) =>
    els.map((e) => `${e.getAttribute('data-check')}=${e.getAttribute('data-ok')}`),
  );
  assert.ok(names.length >= 10, `expected the record's checks, got ${names.join(', ')}`);
  assert.deepEqual(
    names.filter((n) => !n.endsWith('=true')),
    [],
    'every check passes',
  );
  for (const want of [
    'record-hash',
    'merkle-proof',
    'on-chain-root',
    'spec',
    'source 1: notary-signature',
    'source 1: transcript-hashes',
    'source 1: extraction',
  ])
    assert.ok(names.includes(`${want}=true`), want);
  assert.equal(await page.locator('[data-verified="true"]').count(), 1);
  // summarised: one line per record, the source checks once, the details closed until asked for
  assert.match(await page.locator('p.summary').innerText(), /1 of 1 record verified; source checks: (\d+) of \1 pass/);
  assert.equal(await page.locator('[data-check="source 1: notary-signature"]').count(), 1);
  assert.equal(await page.locator('ul.records details[open]').count(), 0);
  assert.equal(await page.locator('[data-check="record-hash"]').isVisible(), false);
  await page.locator('ul.records details summary').first().click();
  assert.equal(await page.locator('[data-check="record-hash"]').isVisible(), true);
  // the spec's name is the title; each source's own value is shown
  assert.equal(await page.title(), 'Rows of dataset 42 · Veritas');
  assert.equal(
    await page
      .locator('h1')
      .innerText()
      .then((t) => t.startsWith('Rows of dataset 42')),
    true,
  );
  const values = await page.locator('td.source-value').allInnerTexts();
  assert.ok(values.length >= 2 && values.every((x) => x === '1200'), values.join(', '));
  await mkdir('test-results', { recursive: true });
  await page.screenshot({ path: 'test-results/request-page.png', fullPage: true });

  await page.locator('a.bundle-link').first().click();
  await page.getByRole('heading', { name: 'Revealed transcript' }).waitFor();
  const transcript = await page.locator('pre.transcript').first().innerText();
  assert.match(transcript, /GET (https:\/\/api\.example\.test)?\/v1\/datasets\/42 HTTP\/1\.1/);
  assert.match(transcript, /\[redacted: \d+ bytes\]/, 'the secret header is shown as redacted');
  assert.doesNotMatch(transcript, /s3cret/);
  assert.match(await page.locator('pre.transcript').nth(1).innerText(), /"rows":1200/);
  await page.screenshot({ path: 'test-results/bundle-page.png', fullPage: true });
  assert.deepEqual(foreign, []);
});

it("computes a record's verification once: later views of the request page reuse it", async () => {
  // a fresh API, so this test does not depend on the views above
  const fresh = await startApi({ ...env.deps(), acceptDevnetProofs: true });
  try {
    const first = await fetch(`${fresh.url}/requests/${built.requestId}`);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-verification'), 'computed=1; cached=0');
    const again = await Promise.all([1, 2, 3].map(() => fetch(`${fresh.url}/requests/${built.requestId}`)));
    for (const r of again) {
      assert.equal(r.headers.get('x-verification'), 'computed=0; cached=1');
      assert.match(await r.text(), /data-verified="true"/);
    }
  } finally {
    await fresh.close();
  }
});

it('veritas verify’s checks pass on the genuine record and name the failed check on an edited one', async () => {
  const src = {
    publicClient: env.v.chain.publicClient,
    hub: env.v.hub,
    getJson: (cid: string) => env.ipfs.getJson(cid),
    acceptDevnetProofs: true,
  };
  const good = await verifyProvedRecord(built.proved, src);
  assert.equal(good.ok, true, JSON.stringify(good.failed));
  const edited = { ...built.proved, record: { ...built.proved.record, value: 1300 } };
  const bad = await verifyProvedRecord(edited, src);
  assert.equal(bad.ok, false);
  assert.equal(bad.failed?.name, 'record-hash');
});

it('names a failed operator’s error code, shows a spare prover as not needed, and MPC progress while it runs', async () => {
  const { db } = env.db;
  const done = await seedFulfilled(env);
  const [failed, spare] = [hex(20), hex(20)];
  for (const [i, prover] of [failed, spare].entries())
    await db
      .insert(assignments)
      .values({ requestId: done.requestId, prover, notary: done.provers[0]!, position: 2 + i });
  await db.insert(operatorJobs).values([
    { requestId: done.requestId, operator: failed, state: 'failed', lastErrorCode: 'NOTARY_UNREACHABLE' },
    { requestId: done.requestId, operator: spare, state: 'queued' },
  ]);
  // a running request: opsnet's operators emit `mpc-progress` per operator; the latest one is shown
  const running = await seedFulfilled(env, { status: 'assigned' });
  const [p0, p1] = running.provers;
  for (const fraction of [0.2, 0.65])
    await db.insert(requestEvents).values({
      requestId: running.requestId,
      source: p0!,
      stage: 'mpc-progress',
      detail: { fraction, bytes: Math.round(fraction * 40960), expectedBytes: 40960 },
    });
  // the second prover already answered in the seed: a response ends its progress bar
  await db.insert(requestEvents).values({
    requestId: running.requestId,
    source: p1!,
    stage: 'mpc-progress',
    detail: { fraction: 0.5, bytes: 1, expectedBytes: 2 },
  });
  await db.delete(responses).where(eq(responses.prover, p0!));

  const page = await newPage();
  await page.goto(`${api.url}/requests/${done.requestId}`);
  const failedRow = page.locator(`tr[data-prover="${failed}"]`);
  assert.equal(await failedRow.locator('[data-error-code]').innerText(), 'NOTARY_UNREACHABLE');
  const spareRow = page.locator(`tr[data-prover="${spare}"]`);
  assert.equal(await spareRow.locator('[data-state]').innerText(), 'not needed');
  assert.equal(await spareRow.locator('.badge.pending').count(), 0, 'a spare is not amber pending');
  const timeline = await page.locator('ol.timeline').innerText();
  assert.match(timeline, /operator 3 failed .*— NOTARY_UNREACHABLE/);
  assert.doesNotMatch(timeline, /failed — failed/);
  assert.match(timeline, /operator 4 not needed/);

  await page.goto(`${api.url}/requests/${running.requestId}`);
  const bar = page.locator(`tr[data-prover="${p0}"] progress`);
  assert.equal(await bar.getAttribute('value'), '0.65');
  assert.match(await page.locator(`tr[data-prover="${p0}"] .mpc-progress`).innerText(), /65% · 26 of 40 KiB/);
  assert.equal(await page.locator('progress').count(), 1, 'only the operator still running shows progress');
  await page.screenshot({ path: 'test-results/request-progress.png', fullPage: true });
  await page.close();
});

it('a median request shows each source against the median and the band, the outlier marked', async () => {
  const { db } = env.db;
  const seeded = await seedFulfilled(env);
  const outlier = hex(20);
  await db
    .insert(assignments)
    .values({ requestId: seeded.requestId, prover: outlier, notary: seeded.provers[0]!, position: 2 });
  await db.insert(responses).values({
    requestId: seeded.requestId,
    prover: outlier,
    notary: seeded.provers[0]!,
    resultHash: hex(32),
    bundleCid: seeded.bundleCids[0]!,
    verification: 'valid',
    value: 1500,
  });
  await db
    .update(reports)
    .set({
      policyOutcome: {
        included: seeded.provers,
        excluded: [{ prover: outlier, code: 'OUTLIER', reason: '1500 is 300 from the median 1200' }],
        value: 1200,
      },
    })
    .where(eq(reports.requestId, seeded.requestId));
  const page = await newPage();
  await page.goto(`${api.url}/requests/${seeded.requestId}`);
  const section = await page.locator('#median + p').innerText();
  assert.match(section, /Median 1200, band ±1% = \[1188, 1212\]/);
  assert.equal(await page.locator('table.median-sources tr[data-outlier="true"]').count(), 1);
  assert.equal(await page.locator(`table.median-sources tr[data-prover="${outlier}"] .badge`).innerText(), 'outlier');
  assert.equal(await page.locator('table.median-sources tr[data-outlier="false"]').count(), 2);
  assert.equal(await page.locator('svg.band-chart circle.outlier').count(), 1);
  await page.screenshot({ path: 'test-results/median-page.png', fullPage: true });
  await page.close();
});

it('the operators page counts answered, agreed, invalid and slashed from the records, with ETH bonds and notary URLs', async () => {
  const { db } = env.db;
  const seeded = await seedFulfilled(env);
  const [a, b] = seeded.provers;
  // counters left at 0 as nothing maintained them: the page must not read them
  await db
    .update(operators)
    .set({ answered: 0, agreed: 0, metadataUri: encodeOperatorMetadata({ notaryUrl: 'ws://127.0.0.1:7047' }) })
    .where(eq(operators.address, a!));
  await db
    .update(responses)
    .set({ verification: 'invalid', invalidCode: 'BAD_SIGNATURE' })
    .where(eq(responses.prover, b!));
  await db
    .update(reports)
    .set({ policyOutcome: { included: [a!], excluded: [], value: 1200 } })
    .where(eq(reports.requestId, seeded.requestId));
  const page = await newPage();
  await page.goto(`${api.url}/operators`);
  const cells = async (address: string) =>
    (
      await page
        .locator('tr', { has: page.locator(`a[href="/operators/${address}"]`) })
        .locator('td')
        .allInnerTexts()
    ).slice(2);
  assert.deepEqual(await cells(a!), ['ws://127.0.0.1:7047', '1 ETH', '1', '1', '0', '0']);
  assert.deepEqual(await cells(b!), ['—', '1 ETH', '1', '0', '1', '0']);
  const json = (await (await fetch(`${api.url}/v1/operators/${a}`)).json()) as Record<string, unknown>;
  assert.deepEqual([json.answered, json.agreed, json.notaryUrl], [1, 1, 'ws://127.0.0.1:7047']);
  await page.close();
});

it('a dataset page shows its sources, rounds, versions with their exports and a chart of the value', async () => {
  const page = await newPage();
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(api.url)) foreign.push(r.url());
  });
  await page.goto(`${api.url}/datasets`);
  await page.getByRole('link', { name: 'Fixture price feed' }).click();
  assert.equal(await page.title(), 'Fixture price feed · Veritas');
  assert.match(await page.locator('table.sources').innerText(), /feed 1\s+https:\/\/api\.veritas\.test\/v1\/price/);
  assert.equal(await page.locator('ol.rounds li').count(), 3);
  assert.match(await page.locator('ol.rounds').innerText(), /feed 1 · round 0[\s\S]*round 1[\s\S]*round 2/);
  const versions = page.locator('table.versions tr[data-version]');
  assert.deepEqual(await versions.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-version'))), [
    '3',
    '2',
    '1',
  ]);
  for (const f of ['README.md', 'croissant.json', 'records.parquet', 'records.jsonl', 'proofs.jsonl', 'snapshot.car']) {
    const href = await page.locator(`tr[data-version="3"] a`, { hasText: f }).getAttribute('href');
    assert.equal(href, `/v1/datasets/${dataset.datasetId}/versions/3/${f}`);
  }
  // the chart: server-rendered SVG, one line of the aggregated values, a dot per source answer
  const svg = page.locator('svg.chart');
  assert.equal(await svg.count(), 1);
  assert.equal(await svg.locator('polyline.aggregate').count(), 1);
  assert.equal((await svg.locator('polyline.aggregate').getAttribute('points'))!.split(' ').length, 3);
  assert.equal(await svg.locator('circle.source').count(), 9);
  assert.equal(await svg.locator('rect.aggregate-point').count(), 3);
  const titles = await svg.locator('rect.aggregate-point title').allTextContents();
  assert.deepEqual(
    titles.map((t) => t.split(':')[1]!.trim().split(' ')[0]),
    ['100.25', '101.5', '99.75'],
  );
  await page.screenshot({ path: 'test-results/dataset-page.png', fullPage: true });
  assert.deepEqual(foreign, []);
  await page.close();
});

async function newPage() {
  browser ??= await launchBrowser();
  return browser.newPage();
}

/** A request fulfilled on-chain with two genuine-looking sessions, and the rows the indexer and aggregator write. */
async function fulfilledRequest(e: Env): Promise<{ requestId: Hex; proved: ProvedRecord }> {
  const { v, ipfs } = e;
  const { db } = e.db;
  const chainId = v.chain.anvil.chainId;
  const hub = v.hub.toLowerCase() as Address;
  const now = Number((await v.chain.publicClient.getBlock()).timestamp);
  const spec = validateSpec({
    name: 'Rows of dataset 42',
    url: 'https://api.example.test/v1/datasets/42',
    headers: [{ name: 'Authorization', secret: true, ref: 'dataset-token' }],
    extract: { jsonPath: '$.rows' },
    resultSchema: { type: 'integer' },
    quorum: 2,
    deadline: now + 3600,
  });
  const specHash = hashJson(spec);
  const specCid = await ipfs.addJson(spec);
  const req = await requestData({ walletClient: v.consumer, publicClient: v.chain.publicClient }, v.hub, {
    specHash,
    specCid,
    params: requestParamsOf(spec),
    fee: 10n ** 15n,
  });
  const requestId = req.requestId.toLowerCase() as Hex;
  // hub v2: a third party draws the committee
  const { committee } = await assignRequest(
    { walletClient: v.reporter, publicClient: v.chain.publicClient },
    v.hub,
    req.requestId,
  );
  const provers = committee!.provers;
  const sources: DatasetRecord['sources'] = [];
  for (const [i, proverAddress] of provers.entries()) {
    const prover = proverAddress.toLowerCase() as Address;
    const notary = committee!.notaries[i]!.toLowerCase() as Address;
    // exactly the bytes tlsn-wasm sends for this spec (core/http-message.ts), the secret's slot hidden and zeroed
    const { sent, sentRanges, recv, recvRanges } = exchange('{"rows":1200}', spec);
    const value = extractFromResponse(spec.extract, recv).value;
    const tlsTime = now - 5 + i;
    const attestation: Attestation = {
      requestId,
      specHash,
      prover,
      notary,
      trust: TRUST_CODES.devnet,
      serverNameHash: hashServerName('api.example.test'),
      tlsTime,
      sentHash: transcriptHash(sent, sentRanges),
      recvHash: transcriptHash(recv, recvRanges),
      resultHash: hashJson(value),
      numericValue: '0',
    };
    const notaryKey = v.chain.keyOf.get(committee!.notaries[i]!)!;
    const notarySignature = await signAttestation(privateKeyToAccount(notaryKey), v.domain, attestation);
    const bundle = await signBundle(privateKeyToAccount(v.chain.keyOf.get(proverAddress)!), {
      version: 2,
      chainId,
      hub,
      requestId,
      specCid,
      specHash,
      prover,
      notary,
      serverName: 'api.example.test',
      tlsTime,
      transcript: encodeTranscript({ sent, recv, sentRanges, recvRanges }),
      value: value as number,
      attestation,
      notarySignature,
      trust: 'devnet',
      software: { veritas: '0.1.0', tlsn: '0.1.0-alpha.12' },
      timings: {},
    });
    const bundleCid = await ipfs.addJson(bundle);
    const receipt = await send(v.chain, walletOf(v, proverAddress), {
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'respond',
      args: [requestId, bundleCid, toContractAttestation(attestation), notarySignature],
    });
    await db.insert(assignments).values({ requestId, prover, notary, position: i });
    await db.insert(responses).values({
      requestId,
      prover,
      notary,
      resultHash: attestation.resultHash,
      bundleCid,
      txHash: receipt.transactionHash,
      verification: 'valid',
      value,
    });
    await db.insert(bundles).values({ cid: bundleCid, requestId, prover, content: bundle });
    await db.insert(requestEvents).values({ requestId, source: prover, stage: 'responded', detail: { bundleCid } });
    sources.push({
      prover,
      notary,
      bundleCid,
      serverName: 'api.example.test',
      tlsTime,
      resultHash: attestation.resultHash,
      value: value as number,
    });
  }
  const record: DatasetRecord = {
    version: 1,
    chainId,
    hub,
    requestId,
    index: 0,
    value: 1200,
    url: spec.url,
    specCid,
    extract: spec.extract,
    policy: spec.aggregation,
    trust: 'devnet',
    sources,
  };
  const recordHash = hashJson(record);
  const tree = buildRecordTree([{ requestId, index: 0, valueHash: hashJson(1200), recordHash }]);
  const report: AggregateReport = {
    version: 1,
    chainId,
    hub,
    requestId,
    specCid,
    policy: spec.aggregation,
    leafEncoding: ['bytes32', 'uint256', 'bytes32', 'bytes32'],
    merkleRoot: tree.root,
    records: [record],
    included: sources.map((s) => s.prover),
    excluded: [],
    aggregator: v.aggregator.account.address.toLowerCase() as Address,
    createdAt: new Date().toISOString(),
  };
  const reportCid = await ipfs.addJson(report);
  const fulfil = await send(v.chain, v.aggregator, {
    address: v.hub,
    abi: oracleHubAbi,
    functionName: 'fulfill',
    args: [requestId, tree.root, reportCid, provers, hashJson(1200), 1],
  });
  await db.insert(requests).values({
    id: requestId,
    consumer: v.consumer.account.address.toLowerCase(),
    specHash,
    specCid,
    spec,
    quorum: 2,
    deadline: spec.deadline,
    fee: (10n ** 15n).toString(),
    txHash: req.transactionHash,
    blockNumber: Number(req.blockNumber),
    status: 'fulfilled',
    merkleRoot: tree.root,
    reportCid,
    fulfilledAt: new Date(),
  });
  await storeFulfilment(db, {
    requestId,
    tree,
    record,
    reportCid,
    outcome: { included: report.included, excluded: report.excluded, value: record.value },
    fulfil: { txHash: fulfil.transactionHash, blockNumber: Number(fulfil.blockNumber) },
  });
  await db
    .insert(requestEvents)
    .values({ requestId, source: 'aggregator', stage: 'fulfilled', detail: { merkleRoot: tree.root } });
  return { requestId, proved: { record, recordHash, merkleRoot: tree.root, proof: tree.proof(0) } };
}
