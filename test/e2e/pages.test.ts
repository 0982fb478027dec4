// The provenance pages in a real headless Chromium: a fulfilled request's page shows every verification check
// passing, its bundle link leads to the revealed transcript with redactions marked; a screenshot is saved.
//
// The fulfilled request is built honestly on a real anvil rather than by the network: no MPC-TLS session runs here
// (the operator engineers' end-to-end test covers that), so the transcript is one we write and the notary is a test
// key that signs the EIP-712 attestation over it exactly as a notary would. Everything after that is real: the
// bundle is pinned in Helia, `respond` and `fulfill` pass OracleHub's on-chain checks, the Merkle root is on-chain,
// and the page's checks are core/verify's, computed against the chain and IPFS.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Address, Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { signBundle } from '../../core/bundle.ts';
import { hashJson } from '../../core/canonical.ts';
import { hashServerName, signAttestation, toContractAttestation } from '../../core/chain/attestation.ts';
import { assignRequest, oracleHubAbi, requestData, requestParamsOf } from '../../core/chain/contracts.ts';
import { assignments, bundles, records, reports, requestEvents, requests, responses } from '../../core/db/schema.ts';
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
import { type Env, startEnv } from '../api/harness.ts';
import { launchBrowser } from '../support/browser.ts';
import { exchange } from '../verify/world.ts';

let env: Env;
let api: RunningApi;
let browser: Browser | undefined;
let built: { requestId: Hex; proved: ProvedRecord };

before(async () => {
  env = await startEnv();
  built = await fulfilledRequest(env);
  api = await startApi({ ...env.deps(), acceptDevnetProofs: true });
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
    .getByRole('heading', { name: /Request/ })
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

/** A request fulfilled on-chain with two genuine-looking sessions, and the rows the indexer and aggregator write. */
async function fulfilledRequest(e: Env): Promise<{ requestId: Hex; proved: ProvedRecord }> {
  const { v, ipfs } = e;
  const { db } = e.db;
  const chainId = v.chain.anvil.chainId;
  const hub = v.hub.toLowerCase() as Address;
  const now = Number((await v.chain.publicClient.getBlock()).timestamp);
  const spec = validateSpec({
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
    args: [requestId, tree.root, reportCid, provers, hashJson(1200)],
  });
  const recordId = tree.leafHash(0);
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
  await db.insert(records).values({
    id: recordId,
    requestId,
    index: 0,
    value: 1200,
    leafHash: recordId,
    proof: tree.proof(0),
    provenance: record,
  });
  await db.insert(reports).values({
    requestId,
    reportCid,
    merkleRoot: tree.root,
    policyOutcome: { included: report.included, excluded: report.excluded, value: record.value },
    recordCount: 1,
    fulfillTxHash: fulfil.transactionHash,
    fulfillBlockNumber: Number(fulfil.blockNumber),
  });
  await db
    .insert(requestEvents)
    .values({ requestId, source: 'aggregator', stage: 'fulfilled', detail: { merkleRoot: tree.root } });
  return { requestId, proved: { record, recordHash, merkleRoot: tree.root, proof: tree.proof(0) } };
}
