// Attacks on "the record is the policy's output over honest inputs": a malicious aggregator (the hub's aggregator
// account) fulfils real requests with Merkle roots over records it crafted — a subset of the sources, a source
// listed twice, fewer sources than the quorum, or one field that differs from the spec or the bundles — and each
// must be refused by verifyRecord (the function `veritas verify`, the verify panel and the aggregator share).
// Real anvil, real contracts, real signed bundles pinned to a real (offline) Helia node; no MPC (see world.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Address, Hex } from 'viem';
import { normalizeAnswer } from '../../core/aggregation/normalize.ts';
import { hashJson } from '../../core/canonical.ts';
import { oracleHubAbi } from '../../core/chain/contracts.ts';
import { buildRecordTree } from '../../core/merkle.ts';
import { verifyRecord, type RecordVerification } from '../../core/verify/record.ts';
import type { ProvenanceBundle } from '../../schemas/bundle.ts';
import type { DatasetRecord, ProvedRecord } from '../../schemas/record.ts';
import {
  baseSpec,
  makeBundle,
  placeRequest,
  respond,
  startWorld,
  type PlacedRequest,
  type World,
} from '../verify/world.ts';

let world: World;
type Source = { bundle: ProvenanceBundle; cid: string };
let A: { req: PlacedRequest; src: Source[] };
let B: { req: PlacedRequest; src: Source[] };
const proved = new Map<string, ProvedRecord>();

const price = (p: number) => JSON.stringify({ price: p });

async function answered(values: number[]): Promise<{ req: PlacedRequest; src: Source[] }> {
  const req = await placeRequest(world, baseSpec({ quorum: 2 }));
  assert.equal(req.provers.length, 3, 'quorum 2 draws 3 provers');
  const src: Source[] = [];
  for (const [i, prover] of req.provers.entries()) {
    const bundle = await makeBundle(world, req, prover, { body: price(values[i]!) });
    src.push({ bundle, cid: await respond(world, bundle) });
  }
  return { req, src };
}

function recordOf(
  { req }: { req: PlacedRequest },
  index: number,
  value: number,
  sources: Source[],
  over: Partial<DatasetRecord> = {},
): DatasetRecord {
  return {
    version: 1,
    chainId: world.anvil.chainId,
    hub: world.deployment.hub.toLowerCase() as Address,
    requestId: req.requestId,
    index,
    value,
    url: req.spec.url,
    specCid: req.specCid,
    extract: req.spec.extract,
    policy: req.spec.aggregation,
    trust: 'webpki',
    sources: sources.map(({ bundle, cid }) => ({
      prover: bundle.prover,
      notary: bundle.notary,
      bundleCid: cid,
      serverName: bundle.serverName,
      tlsTime: bundle.tlsTime,
      resultHash: bundle.attestation.resultHash,
      value: normalizeAnswer(bundle.value, req.spec.value, req.spec.records) as number,
    })),
    ...over,
  };
}

/** The malicious aggregator: one root over the crafted records, `included` of its choosing, sent on-chain. */
// `valueHash` is what the hub checks at fulfil (hub v2): the lower median of the included answers' attested hash. The
// hub cannot see the records behind the root, so every crafted record below still reaches the off-chain checks.
async function fulfil(req: PlacedRequest, records: Record<string, DatasetRecord>, included: Address[], valueHash: Hex) {
  // One tree, one leaf per crafted record: distinct indices (only the first can be a single request's index 0;
  // the others also fail that, after the field each test is about).
  const entries = Object.entries(records).map(([name, r], index) => [name, { ...r, index }] as const);
  const tree = buildRecordTree(
    entries.map(([, r]) => ({ requestId: r.requestId as Hex, index: r.index, valueHash, recordHash: hashJson(r) })),
  );
  const hash = await world.aggregatorWallet.writeContract({
    address: world.deployment.hub,
    abi: oracleHubAbi,
    functionName: 'fulfill',
    args: [req.requestId, tree.root, 'bafy-report', included, valueHash, entries.length],
  });
  const receipt = await world.publicClient.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, 'success');
  for (const [name, record] of entries)
    proved.set(name, { record, recordHash: hashJson(record), merkleRoot: tree.root, proof: tree.proof(record.index) });
}

const verify = (name: string): Promise<RecordVerification> =>
  verifyRecord(proved.get(name)!, {
    publicClient: world.publicClient,
    hub: world.deployment.hub,
    getJson: (cid) => world.ipfs.getJson(cid),
    acceptDevnetProofs: false,
  });

async function refusedBy(name: string, check: string, message?: RegExp) {
  const v = await verify(name);
  assert.equal(v.ok, false, `${name} must be refused`);
  const c = v.checks.find((x) => x.name === check);
  assert.equal(
    c?.status,
    'fail',
    `${name}: ${check} must fail; checks: ${JSON.stringify(v.checks.filter((x) => x.status === 'fail'))}`,
  );
  if (message) assert.match(c.message, message);
}

before(async () => {
  world = await startWorld();
  // A: two honest answers and a Byzantine 1e6; the hub pays the honest two.
  A = await answered([100, 100.2, 1e6]);
  const [a0, a1, a2] = A.src as [Source, Source, Source];
  const wrongHost = { ...recordOf(A, 0, 100, [a0, a1]) };
  wrongHost.sources = wrongHost.sources.map((s, i) => (i === 0 ? { ...s, serverName: 'evil.test' } : s));
  const wrongValue = recordOf(A, 0, 100, [a0, a1]);
  wrongValue.sources = wrongValue.sources.map((s, i) => (i === 1 ? { ...s, value: 99 } : s));
  await fulfil(
    A.req,
    {
      honest: recordOf(A, 0, 100, [a0, a1]),
      fewer: recordOf(A, 0, 100, [a0]),
      outlierIn: recordOf(A, 0, 100.2, [a1, a2]),
      url: recordOf(A, 0, 100, [a0, a1], { url: 'https://fixture.test/v1/other' }),
      extract: recordOf(A, 0, 100, [a0, a1], { extract: { jsonPath: '$.other' } }),
      policy: recordOf(A, 0, 100, [a0, a1], { policy: { policy: 'exact' } }),
      trust: recordOf(A, 0, 100, [a0, a1], { trust: 'devnet' }),
      serverName: wrongHost,
      sourceValue: wrongValue,
      value: recordOf(A, 0, 100.2, [a0, a1]),
    },
    [a0.bundle.prover as Address, a1.bundle.prover as Address],
    a0.bundle.attestation.resultHash as Hex, // lower median of (100, 100.2)
  );
  // B: the same answers, but the aggregator marks all three included and publishes records built on the 1e6.
  B = await answered([100, 100.2, 1e6]);
  const [b0, b1, b2] = B.src as [Source, Source, Source];
  await fulfil(
    B.req,
    {
      subset: recordOf(B, 0, 1e6, [b2]),
      duplicated: recordOf(B, 0, 1e6, [b2, b2, b0]),
      allIncluded: recordOf(B, 0, 100, [b0, b1, b2]),
    },
    B.src.map((s) => s.bundle.prover as Address),
    b1.bundle.attestation.resultHash as Hex, // lower median of (100, 100.2, 1e6)
  );
});
after(() => world?.close());

test('the honest record — the lower median over the valid responses, the outlier left out — passes every check', async () => {
  const v = await verify('honest');
  assert.equal(v.ok, true, JSON.stringify(v.failed));
  for (const name of [
    'record-hash',
    'merkle-proof',
    'on-chain-root',
    'spec',
    'record-fields',
    'sources',
    'record-value',
  ])
    assert.equal(v.checks.find((c) => c.name === name)?.status, 'pass', name);
  assert.ok(v.checks.some((c) => c.name === 'source 1: notary-signature' && c.status === 'pass'));
});

test('attack: a subset of the sources ([1e6] of three included) is refused', async () => {
  await refusedBy('subset', 'sources', /quorum|included/);
  await refusedBy('subset', 'record-value', /give 100/);
});

test('attack: a duplicated source ([1e6, 1e6, 100]) is refused', async () => {
  await refusedBy('duplicated', 'sources', /more than once/);
});

test('attack: fewer sources than the quorum is refused', async () => {
  await refusedBy('fewer', 'sources', /quorum/);
});

test('attack: a record that includes the outlier, or the hub paying it, is not the policy’s output', async () => {
  await refusedBy('outlierIn', 'sources');
  await refusedBy('outlierIn', 'record-value');
  await refusedBy('allIncluded', 'record-value', /policy includes/);
});

test('attack: each field that differs from the spec or the bundles is refused, naming it', async () => {
  await refusedBy('url', 'record-fields', /record\.url/);
  await refusedBy('extract', 'record-fields', /record\.extract/);
  await refusedBy('policy', 'record-fields', /record\.policy/);
  await refusedBy('trust', 'record-fields', /record\.trust/);
  await refusedBy('serverName', 'source 1: fields', /serverName/);
  await refusedBy('sourceValue', 'source 2: fields', /source\.value/);
  await refusedBy('value', 'record-value', /the record says 100\.2/);
});
