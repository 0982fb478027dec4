// THE independent re-verification of a provenance bundle, shared by the aggregator, the API's verify panel and
// `veritas verify`: every claim in the bundle is recomputed from its own bytes and checked against the chain.
//
// The result is a list of named checks, each pass / fail / skip with a stable code and a message, so a UI can show
// all of them and a caller can say exactly which one failed. Nothing in the bundle is trusted: what it is compared
// with (request, committee, on-chain response, registration, spec) comes from `ctx`, which callers build from the
// chain and the spec whose hash is on-chain (see core/verify/chain.ts).
import type { Address, Hex } from 'viem';
import { bundleDigest } from '../bundle.ts';
import { canonicalJson, hashJson, keccakUtf8 } from '../canonical.ts';
import { attestationDomain, numericValueOf } from '../chain/attestation.ts';
import { VeritasError, type ErrorCode } from '../errors.ts';
import { normalizeAnswer } from '../aggregation/normalize.ts';
import { TRUST_CODES } from '../../schemas/attestation.ts';
import { checkRunner, type Verification } from './checks.ts';
import { assertSessionMatchesSpec } from '../http-message.ts';
import { extractFromResponse } from '../extract.ts';
import type { ProvenanceBundle } from '../../schemas/bundle.ts';
import type { RequestSpec } from '../../schemas/spec.ts';
import { assertCanonicalRanges, decodeTranscript, isRedacted } from '../../schemas/transcript.ts';
import { transcriptHash } from '../transcript-hash.ts';
import { resultValidatorFor, validateDocument, type ResultValidator } from '../../schemas/validate.ts';
import { recoverAttestationSignerFast, recoverRawMessageSigner } from './recover.ts';

export const BUNDLE_CHECKS = [
  'schema',
  'chain',
  'request',
  'trust',
  'prover-signature',
  'notary-signature',
  'assignment',
  'transcript-ranges',
  'transcript-hashes',
  'session',
  'extraction',
  'result-schema',
] as const;
export type BundleCheckName = (typeof BUNDLE_CHECKS)[number];

export type { CheckStatus, VerificationCheck } from './checks.ts';

export type BundleVerification = Verification<BundleCheckName> & {
  /** The parsed bundle, when it passed the schema check. */
  bundle?: ProvenanceBundle;
};

/** A response as OracleHub stores it (`getResponse` / `ResponseSubmitted`). */
export type OnChainResponse = { prover: Address; notary: Address; resultHash: Hex; bundleCid: string };

export type BundleVerificationContext = {
  chainId: number;
  hub: Address;
  /** The request the bundle is presented for: the on-chain request (or response) it was fetched for. */
  requestId: Hex;
  /** The spec whose hash is on-chain for this request. */
  spec: RequestSpec;
  /** From the on-chain request; checked against the bundle's claims when given. */
  specCid?: string;
  specHash?: Hex;
  /** The committee the contract drew for the request. */
  assignment: { provers: readonly Address[]; notaries: readonly Address[] };
  /** The on-chain response the bundle was submitted with (its CID, result hash, prover and notary). */
  response?: OnChainResponse;
  /** Whether an operator is registered in OperatorRegistry (prefetched by the caller: verification is synchronous). */
  isRegistered: (operator: Address) => boolean;
  /** Production: false — bundles made under the devnet trust anchor are refused. */
  acceptDevnetProofs: boolean;
  /** The compiled spec.resultSchema; by default resultValidatorFor(spec.resultSchema), compiled once per schema. */
  resultValidator?: ResultValidator;
  /** The request's on-chain window (unix seconds): the session's tlsTime must lie in it (tlsTimeOutsideWindow). */
  window?: { createdAt: number; deadline: number };
};

const lower = (a: string): string => a.toLowerCase();

/** Re-verifies `input` (untrusted JSON, e.g. fetched from IPFS) against `ctx`. Never throws for a bad bundle. */
export async function verifyBundle(input: unknown, ctx: BundleVerificationContext): Promise<BundleVerification> {
  return verifyBundleSync(input, ctx);
}

/** Synchronous core of verifyBundle (all of it is CPU work: hashing, ECDSA recovery, parsing). */
export function verifyBundleSync(input: unknown, ctx: BundleVerificationContext): BundleVerification {
  const runner = checkRunner<BundleCheckName>();
  const run = (name: BundleCheckName, code: ErrorCode, body: () => string | undefined): void => {
    runner.run(name, code, PASS[name], body);
  };

  let bundle: ProvenanceBundle | undefined;
  run('schema', 'BUNDLE_INVALID', () => {
    // hub v2: a bundle of another version (v1 carried an unsigned trust label) is refused with its own code
    const version = (input as { version?: unknown } | null)?.version;
    if (typeof input === 'object' && input !== null && version !== 2)
      throw new VeritasError('UNSUPPORTED_VERSION', `bundle.version ${String(version)} is not supported (need 2)`, {
        field: 'version',
      });
    bundle = validateDocument('provenance-bundle', input, 'BUNDLE_INVALID');
    return undefined;
  });
  if (!bundle) {
    for (const name of BUNDLE_CHECKS.slice(1)) runner.skip(name, 'not checked: the bundle is not well-formed');
    return runner.finish();
  }
  const b = bundle;
  const att = b.attestation;

  run('chain', 'REQUEST_MISMATCH', () => {
    if (b.chainId !== ctx.chainId) return `bundle.chainId ${b.chainId} is not this chain (${ctx.chainId})`;
    if (lower(b.hub) !== lower(ctx.hub)) return `bundle.hub ${b.hub} is not the OracleHub ${lower(ctx.hub)}`;
    return undefined;
  });

  run('request', 'REQUEST_MISMATCH', () => {
    const id = lower(ctx.requestId);
    if (b.requestId !== id)
      return `bundle.requestId ${b.requestId} is not the request ${id} (a bundle made for another request)`;
    if (att.requestId !== id) return `attestation.requestId ${att.requestId} is not the request ${id}`;
    if (att.prover !== b.prover) return `attestation.prover ${att.prover} is not bundle.prover ${b.prover}`;
    if (att.notary !== b.notary) return `attestation.notary ${att.notary} is not bundle.notary ${b.notary}`;
    if (ctx.specCid !== undefined && b.specCid !== ctx.specCid)
      return `bundle.specCid ${b.specCid} is not the request's spec ${ctx.specCid}`;
    if (ctx.specHash !== undefined && b.specHash !== lower(ctx.specHash))
      return `bundle.specHash ${b.specHash} is not the request's ${lower(ctx.specHash)}`;
    // hub v2: the notary signs the spec hash it checked the transcript against
    if (att.specHash !== b.specHash) return `attestation.specHash ${att.specHash} is not bundle.specHash ${b.specHash}`;
    const r = ctx.response;
    if (r) {
      if (lower(r.prover) !== b.prover)
        return `the on-chain response is by ${lower(r.prover)}, the bundle by ${b.prover}`;
      if (lower(r.notary) !== b.notary)
        return `the on-chain response names notary ${lower(r.notary)}, the bundle ${b.notary}`;
      if (lower(r.resultHash) !== att.resultHash)
        return `the on-chain resultHash ${lower(r.resultHash)} is not the attestation's ${att.resultHash}`;
    }
    return undefined;
  });

  // hub v2: the trust mode is the notary's signed byte; the bundle's label must merely agree with it
  run('trust', 'TRUST_MODE_REFUSED', () => {
    if (TRUST_CODES[b.trust] !== att.trust)
      return `bundle.trust ${b.trust} is not the notary-signed attestation.trust ${att.trust}`;
    return att.trust === TRUST_CODES.devnet && !ctx.acceptDevnetProofs
      ? 'the notary attested the devnet trust anchor, which this verifier does not accept (production policy)'
      : undefined;
  });

  run('prover-signature', 'BAD_SIGNATURE', () => {
    const signer = recoverRawMessageSigner(bundleDigest(b), b.proverSignature as Hex);
    return signer === b.prover ? undefined : `proverSignature recovers to ${signer}, not bundle.prover ${b.prover}`;
  });

  run('notary-signature', 'BAD_SIGNATURE', () => {
    const signer = recoverAttestationSignerFast(
      attestationDomain(ctx.chainId, lower(ctx.hub) as Address),
      att,
      b.notarySignature as Hex,
    );
    return signer === att.notary
      ? undefined
      : `notarySignature recovers to ${signer}, not attestation.notary ${att.notary}`;
  });

  run('assignment', 'NOT_ASSIGNED', () => {
    const i = ctx.assignment.provers.findIndex((p) => lower(p) === b.prover);
    if (i < 0) return `prover ${b.prover} is not in the committee the contract drew for this request`;
    const notary = lower(ctx.assignment.notaries[i] ?? '');
    if (notary !== att.notary) return `the contract assigned notary ${notary} to prover ${b.prover}, not ${att.notary}`;
    if (!ctx.isRegistered(b.prover as Address)) return `prover ${b.prover} is not a registered operator`;
    if (!ctx.isRegistered(att.notary as Address)) return `notary ${att.notary} is not a registered operator`;
    return undefined;
  });

  const transcript = decodeTranscript(b.transcript);
  run('transcript-ranges', 'BUNDLE_INVALID', () => {
    assertCanonicalRanges(transcript.sentRanges, transcript.sent.length, 'transcript.sentRanges');
    assertCanonicalRanges(transcript.recvRanges, transcript.recv.length, 'transcript.recvRanges');
    if (!isRedacted(transcript.sent, transcript.sentRanges))
      return 'transcript.sent has non-zero bytes outside its revealed ranges';
    if (!isRedacted(transcript.recv, transcript.recvRanges))
      return 'transcript.recv has non-zero bytes outside its revealed ranges';
    return undefined;
  });

  run('transcript-hashes', 'TRANSCRIPT_MISMATCH', () => {
    const sent = transcriptHash(transcript.sent, transcript.sentRanges);
    if (sent !== att.sentHash) return `the sent transcript hashes to ${sent}, the notary attested ${att.sentHash}`;
    const recv = transcriptHash(transcript.recv, transcript.recvRanges);
    if (recv !== att.recvHash) return `the received transcript hashes to ${recv}, the notary attested ${att.recvHash}`;
    return undefined;
  });

  run('session', 'TRANSCRIPT_MISMATCH', () => {
    const nameHash = keccakUtf8(b.serverName);
    if (nameHash !== att.serverNameHash)
      return `keccak256(serverName "${b.serverName}") is not the attested serverNameHash`;
    if (b.tlsTime !== att.tlsTime) return `bundle.tlsTime ${b.tlsTime} is not the attested ${att.tlsTime}`;
    const outside = ctx.window && tlsTimeOutsideWindow(att.tlsTime, ctx.window.createdAt, ctx.window.deadline);
    if (outside) return outside;
    assertSessionMatchesSpec(ctx.spec, { serverName: b.serverName, ...transcript });
    return undefined;
  });

  let replayed: unknown;
  run('extraction', 'VALUE_MISMATCH', () => {
    replayed = extractFromResponse(ctx.spec.extract, transcript.recv).value;
    // equal canonical JSON is what equal hashJson means, without hashing either
    if (canonicalJson(b.value) !== canonicalJson(replayed))
      return 'bundle.value is not the value extracted from its own transcript';
    // hub v2: resultHash and numericValue are of the normalized answer, so the hub can compare them on-chain
    const normalized = normalizeAnswer(replayed, ctx.spec.value, ctx.spec.records);
    const replayedHash = hashJson(normalized);
    if (replayedHash !== att.resultHash)
      return `the normalized value extracted from the revealed response hashes to ${replayedHash}, the attested resultHash is ${att.resultHash}`;
    const numeric = ctx.spec.records === 'single' ? numericValueOf(normalized, ctx.spec.value.precision) : 0n;
    if (numeric.toString() !== att.numericValue)
      return `the normalized value gives numericValue ${numeric}, the attested one is ${att.numericValue}`;
    return undefined;
  });

  run('result-schema', 'RESULT_SCHEMA_MISMATCH', () => {
    (ctx.resultValidator ?? resultValidatorFor(ctx.spec.resultSchema))(b.value);
    return undefined;
  });

  return { ...runner.finish(), bundle: b };
}

const PASS: Record<BundleCheckName, string> = {
  schema: 'the bundle matches the published JSON Schema',
  chain: 'made for this chain and OracleHub',
  request: 'bound to this request (bundle, attestation and on-chain response agree)',
  trust: 'trust mode accepted by this verifier',
  'prover-signature': 'the prover signed the bundle',
  'notary-signature': 'the notary signed the attestation (EIP-712)',
  assignment: 'prover and notary are the pair the contract assigned, both registered',
  'transcript-ranges': 'revealed ranges are canonical and hidden bytes are zero',
  'transcript-hashes': 'sentHash and recvHash recomputed from the transcript match the attestation',
  session:
    'server name and TLS time match the attestation; the revealed request is exactly the spec’s and the response is whole',
  extraction: 'the spec’s extraction replayed on the revealed response gives the attested value',
  'result-schema': 'the value satisfies the spec’s result schema',
};

/**
 * Allowed clock difference between the TLS server's time (`tlsTime`, from the session) and the chain's block times,
 * in seconds: servers and validators disagree by seconds, not minutes, and a session cannot start before the
 * request existed nor after its deadline by more than this.
 */
export const TLS_TIME_SKEW_SECONDS = 120;

/**
 * Whether a session's `tlsTime` lies in the request's window [createdAt − skew, deadline + skew] (all unix seconds):
 * a proof made before the request existed (a replayed or pre-computed session) or after its deadline is refused.
 * Pure, so the hub's plumbing calls it with the on-chain `createdAt` and `deadline`. Returns the reason, or undefined.
 */
export function tlsTimeOutsideWindow(
  tlsTime: number,
  createdAt: number,
  deadline: number,
  skew: number = TLS_TIME_SKEW_SECONDS,
): string | undefined {
  if (!Number.isFinite(tlsTime)) return `tlsTime ${tlsTime} is not a time`;
  if (tlsTime < createdAt - skew)
    return `tlsTime ${tlsTime} is before the request was created (${createdAt}, ${skew} s skew allowed)`;
  if (tlsTime > deadline + skew)
    return `tlsTime ${tlsTime} is after the request's deadline (${deadline}, ${skew} s skew allowed)`;
  return undefined;
}
