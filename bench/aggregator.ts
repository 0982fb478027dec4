// `npm run bench:aggregator`: bundle verifications per second on one core (1 KB transcripts, real signatures), the
// time to build the Merkle root of 1,000,000 records, and the time to check one proof. Prints figures; no chain needed
// (verification is CPU-only once its on-chain context is read, so the context is built here from the keys).
import { availableParallelism, cpus } from 'node:os';
import type { Address, Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { signBundle } from '../core/bundle.ts';
import { hashJson, keccakUtf8 } from '../core/canonical.ts';
import { attestationDomain, signAttestation } from '../core/chain/attestation.ts';
import { buildRecordTree, verifyRecordProof } from '../core/merkle.ts';
import { verifyBundleSync, type BundleVerificationContext } from '../core/verify/bundle.ts';
import type { ProvenanceBundle } from '../schemas/bundle.ts';
import { RequestSpec } from '../schemas/spec.ts';
import { encodeTranscript, transcriptHash } from '../schemas/transcript.ts';
import { compileResultSchema } from '../schemas/validate.ts';

const chainId = 31337;
const hub = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Address;
const prover = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const notary = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');
const spec = RequestSpec.parse({
  url: 'https://fixture.test/v1/price',
  extract: { jsonPath: '$.price' },
  quorum: 3,
  deadline: 2_000_000_000,
});

async function bundleFor(i: number): Promise<ProvenanceBundle> {
  const requestId = hashJson({ bench: i });
  const pad = 'x'.repeat(760);
  const body = JSON.stringify({ price: 100 + i / 100, pad });
  const sent = new TextEncoder().encode(
    `GET /v1/price HTTP/1.1\r\nHost: fixture.test\r\nAccept: application/json\r\nConnection: close\r\n\r\n`,
  );
  const recv = new TextEncoder().encode(
    `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
  const t = { sent, recv, sentRanges: [{ start: 0, end: sent.length }], recvRanges: [{ start: 0, end: recv.length }] };
  const value = 100 + i / 100;
  const attestation = {
    requestId,
    specHash: hashJson(spec),
    prover: prover.address.toLowerCase() as Address,
    notary: notary.address.toLowerCase() as Address,
    trust: 0,
    serverNameHash: keccakUtf8('fixture.test'),
    tlsTime: 1_700_000_000,
    sentHash: transcriptHash(sent, t.sentRanges),
    recvHash: transcriptHash(recv, t.recvRanges),
    resultHash: hashJson(value),
    numericValue: '0',
  };
  const notarySignature = await signAttestation(notary, attestationDomain(chainId, hub), attestation);
  return signBundle(prover, {
    version: 2,
    chainId,
    hub,
    requestId,
    specCid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
    specHash: hashJson(spec),
    prover: attestation.prover,
    notary: attestation.notary,
    serverName: 'fixture.test',
    tlsTime: 1_700_000_000,
    transcript: encodeTranscript(t),
    value,
    attestation,
    notarySignature,
    trust: 'webpki',
    software: { veritas: '0.1.0', tlsn: '0.1.0-alpha.12' },
    timings: {},
  });
}

const N = Number(process.env.BENCH_BUNDLES ?? 1000);
const bundles = await Promise.all(Array.from({ length: N }, (_, i) => bundleFor(i)));
// bundles arrive as JSON from IPFS: verify what JSON.parse gives, as the aggregator does
const docs = bundles.map((b) => JSON.parse(JSON.stringify(b)) as unknown);
const bytes = Buffer.byteLength(JSON.stringify(bundles[0]));
const resultValidator = compileResultSchema(spec.resultSchema);
const ctxOf = (b: ProvenanceBundle): BundleVerificationContext => ({
  chainId,
  hub,
  requestId: b.requestId as Hex,
  spec,
  assignment: { provers: [b.prover as Address], notaries: [b.notary as Address] },
  isRegistered: () => true,
  acceptDevnetProofs: false,
  resultValidator,
});
const ctxs = bundles.map(ctxOf);
for (let i = 0; i < Math.min(50, N); i++) verifyBundleSync(docs[i], ctxs[i]!); // warm-up (JIT, WASM)
let t0 = performance.now();
for (let i = 0; i < N; i++) if (!verifyBundleSync(docs[i], ctxs[i]!).ok) throw new Error(`bundle ${i} did not verify`);
const perSecond = N / ((performance.now() - t0) / 1000);

const M = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const requestId = hashJson({ bench: 'records' });
const valueHash = hashJson('bench');
const leaves = Array.from({ length: M }, (_, index) => ({
  requestId,
  index,
  valueHash,
  recordHash: hashJson({ index }),
}));
t0 = performance.now();
const tree = buildRecordTree(leaves);
const treeMs = performance.now() - t0;
const proof = tree.proof(M >> 1);
const K = 10_000;
t0 = performance.now();
for (let i = 0; i < K; i++) if (!verifyRecordProof(tree.root, leaves[M >> 1]!, proof)) throw new Error('proof failed');
const proofUs = ((performance.now() - t0) / K) * 1000;

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`machine: ${cpu}, ${availableParallelism()} cores, node ${process.version}`);
console.log(
  `bundle verification: ${perSecond.toFixed(0)} bundles/s on one core (${N} bundles, ~${(bytes / 1024).toFixed(1)} KiB JSON each, 1 KB transcripts; 2 ECDSA recoveries each)  goal ≥ 2000/s`,
);
console.log(
  `merkle root of ${M.toLocaleString('en')} records: ${(treeMs / 1000).toFixed(2)} s  goal ≤ 3 s   (depth ${proof.length})`,
);
console.log(`check one proof: ${proofUs.toFixed(1)} µs`);
