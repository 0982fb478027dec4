// Genuinely signed provenance bundles for the aggregator benchmarks (1 KB transcripts, real EIP-712 and EIP-191
// signatures by fixed devnet keys) and the verification context an aggregator would build for each from the chain.
import type { Address, Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { signBundle } from '../core/bundle.ts';
import { hashJson, keccakUtf8 } from '../core/canonical.ts';
import { attestationDomain, signAttestation } from '../core/chain/attestation.ts';
import type { BundleVerificationContext } from '../core/verify/bundle.ts';
import { bundleContext, type OnChainRequest } from '../core/verify/chain.ts';
import type { ProvenanceBundle } from '../schemas/bundle.ts';
import { RequestSpec } from '../schemas/spec.ts';
import { encodeTranscript } from '../schemas/transcript.ts';
import { transcriptHash } from '../core/transcript-hash.ts';
import { requestTemplate } from '../core/http-message.ts';
import { compileResultSchema } from '../schemas/validate.ts';

export const chainId = 31337;
export const hub = '0x5fbdb2315678afecb367f032d93f642f64180aa3' as Address;
const prover = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const notary = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');
export const spec = RequestSpec.parse({
  url: 'https://fixture.test/v1/price',
  extract: { jsonPath: '$.price' },
  quorum: 3,
  deadline: 2_000_000_000,
});

export async function bundleFor(i: number): Promise<ProvenanceBundle> {
  const requestId = hashJson({ bench: i });
  const pad = 'x'.repeat(760);
  const body = JSON.stringify({ price: 100 + i / 100, pad });
  // exactly the spec's request template, as the wasm sends it (the session check compares the bytes)
  const template = requestTemplate(spec);
  const sent = new TextEncoder().encode(
    `${template.requestLine}${template.headers.map((h) => `${h.name}: ${'value' in h ? h.value : ''}\r\n`).join('')}\r\n`,
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

const resultValidator = compileResultSchema(spec.resultSchema);
/** What the aggregator reads from the chain for a bundle: its request, committee and registrations. */
export const contextFor = (b: ProvenanceBundle): BundleVerificationContext => ({
  chainId,
  hub,
  requestId: b.requestId as Hex,
  spec,
  assignment: { provers: [b.prover as Address], notaries: [b.notary as Address] },
  isRegistered: () => true,
  acceptDevnetProofs: false,
  resultValidator,
});

/**
 * The context as the aggregator builds it for each bundle it judges (core/verify/chain.ts bundleContext, from the
 * request read from the chain): the fields verification reads, the request's window and spec binding included.
 */
export const aggregatorContextFor = (b: ProvenanceBundle): BundleVerificationContext =>
  bundleContext(
    {
      chainId,
      hub,
      requestId: b.requestId as Hex,
      specCid: b.specCid,
      specHash: b.specHash as Hex,
      createdAt: 1_700_000_000,
      deadline: spec.deadline,
      assignment: { provers: [b.prover as Address], notaries: [b.notary as Address] },
      registered: new Set([b.prover, b.notary]),
    } as OnChainRequest,
    spec,
    { acceptDevnetProofs: false },
  );
