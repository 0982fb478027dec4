// The fetcher: answers one assigned request end to end — spec, MPC-TLS with the assigned notary, checks on the
// attestation, provenance bundle, pin, and `respond` on-chain. Idempotent: safe to run again after any crash.
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import type { Address, Hex } from 'viem';
import { hashJson } from '../core/canonical.ts';
import { hashServerName, recoverAttestationSigner, toContractAttestation } from '../core/chain/attestation.ts';
import { oracleHubAbi, paramsMatchSpec, sendContractCall } from '../core/chain/contracts.ts';
import { signBundle } from '../core/bundle.ts';
import { VeritasError, isErrorCode } from '../core/errors.ts';
import { extractFromResponse } from '../core/extract.ts';
import { requestTemplate } from '../core/http-message.ts';
import { decodeOperatorMetadata } from '../core/operator-metadata.ts';
import { FETCH_STAGES } from '../core/operator-events.ts';
import { progressReporter } from './progress.ts';
import { attestationDomain, type Attestation } from '../schemas/attestation.ts';
import type { UnsignedBundle } from '../schemas/bundle.ts';
import type { RequestSpec } from '../schemas/spec.ts';
import { decodeTranscript, encodeTranscript, type RevealedTranscript } from '../schemas/transcript.ts';
import { transcriptHash } from '../core/transcript-hash.ts';
import { compileResultSchema } from '../schemas/validate.ts';
import { parseWith } from '../schemas/common.ts';
import { hubOf, readRequest, registryOf, type OperatorContext } from './context.ts';
import { requestStatusOf } from '../core/verify/chain.ts';
import { NotaryMessage, signHello } from './protocol.ts';
import { sessionLimits } from './limits.ts';
import { isSecretValue, type SecretStore } from './secrets.ts';
import type { FileStore } from './store.ts';
import { prove, type ProveRequest } from './tlsn/session.ts';
import { checkTarget, type SsrfPolicy } from '../core/ssrf.ts';
import { proxyUrl } from './tlsn/proxy.ts';

export const TLSN_VERSION = '0.1.0-alpha.12';
export const VERITAS_VERSION = '0.1.0';

/** The stages a request goes through at this operator, in order (published as timeline events). */
export const STAGES = FETCH_STAGES;
export type FetchStage = (typeof STAGES)[number];

export type FetcherDeps = {
  secrets: SecretStore;
  /** Finished MPC sessions by request id: the transcript and the one attestation its notary will ever sign. */
  sessions: FileStore;
  /** Base URL of this operator's ws→TCP proxy (the SSRF choke point). */
  proxyBaseUrl: string;
  /** The proxy's policy, also checked before a session so a refused URL costs no MPC work. */
  ssrf: SsrfPolicy;
  sessionTimeoutMs: number;
  onStage: (
    requestId: Hex,
    stage: FetchStage | 'retrying' | 'failed' | 'mpc-progress',
    detail?: Record<string, unknown>,
  ) => Promise<void> | void;
  /** Aborts a running MPC session (operator shutdown). */
  signal?: AbortSignal;
  /**
   * Test seam, never set by the operator (its requests are always `buildHttpRequest`'s): the fault suite's
   * Byzantine prover (test/faults/byzantine.slow.ts) sends bytes the spec does not describe, to show that its
   * notary refuses them and that every verifier rejects what a colluding notary signed anyway.
   */
  buildRequest?: (spec: RequestSpec, secrets: SecretStore) => ProveRequest;
};

/** What a finished session leaves on disk: redacted transcript (no secret byte), attestation, timings. */
type StoredSession = {
  notary: Address;
  transcript: RevealedTranscript;
  attestation: Attestation;
  signature: Hex;
  timings: Record<string, number>;
};

export type AnswerOutcome =
  | { outcome: 'responded'; bundleCid: string; txHash: Hex }
  | { outcome: 'skipped'; reason: 'not-assigned' | 'already-responded' | 'closed' | 'invalid-request' };

export async function answerRequest(ctx: OperatorContext, deps: FetcherDeps, requestId: Hex): Promise<AnswerOutcome> {
  const me = ctx.account.address.toLowerCase() as Address;
  const hub = hubOf(ctx);
  const mine = (await hub.read.responses([requestId])).find((r) => r.prover.toLowerCase() === me);
  if (mine) return { outcome: 'skipped', reason: 'already-responded' };

  const onChain = await hub.read.getRequest([requestId]);
  // Fulfilled with a quorum before this spare prover got to it, or expired: nothing left to answer.
  const status = requestStatusOf(onChain.status);
  if (status === 'fulfilled' || status === 'expired') return { outcome: 'skipped', reason: 'closed' };
  const { request, spec, notary } = await readRequest(ctx, requestId, me);
  if (!notary) return { outcome: 'skipped', reason: 'not-assigned' };
  // on-chain parameters that differ from the spec's would make the hub check another policy: never answered
  if (!paramsMatchSpec(request, spec)) return { outcome: 'skipped', reason: 'invalid-request' };
  if (Date.now() / 1000 > Number(request.deadline))
    throw new VeritasError('DEADLINE_PASSED', `request ${requestId} passed its deadline`, { field: 'deadline' });
  const checkResult = compileResultSchema(spec.resultSchema);

  let session = await deps.sessions.get<StoredSession>(requestId);
  if (!session) {
    session = await runSession(ctx, deps, { requestId, spec, notary, me });
    await deps.sessions.put(requestId, session);
  }
  const transcript = decodeTranscript(session.transcript);
  const { value } = extractFromResponse(spec.extract, transcript.recv);
  checkResult(value);

  const url = new URL(spec.url);
  const unsigned: UnsignedBundle = {
    version: 2,
    chainId: ctx.chainId,
    hub: ctx.hub.toLowerCase() as Address,
    requestId,
    specCid: request.specCid,
    specHash: request.specHash,
    prover: me,
    notary: notary.toLowerCase() as Address,
    serverName: url.hostname,
    tlsTime: session.attestation.tlsTime,
    transcript: session.transcript,
    value: value as UnsignedBundle['value'],
    attestation: session.attestation,
    notarySignature: session.signature,
    trust: ctx.trust,
    software: { veritas: VERITAS_VERSION, tlsn: TLSN_VERSION },
    timings: session.timings,
  };
  const bundle = await signBundle(ctx.account, unsigned);
  const bundleCid = await ctx.ipfs.addJson(bundle, { pin: true });
  await deps.onStage(requestId, 'pinned', { bundleCid });

  // hub v2: respond(requestId, bundleCid, attestation, notarySig); the hub reads resultHash and numericValue from
  // the signed attestation and checks the snapshot's assignment, both bonds and the spec hash
  const receipt = await sendContractCall(ctx, {
    address: ctx.hub,
    abi: oracleHubAbi,
    functionName: 'respond',
    args: [requestId, bundleCid, toContractAttestation(session.attestation), session.signature],
  });
  const txHash = receipt.transactionHash;
  await deps.onStage(requestId, 'responded', { txHash, bundleCid });
  return { outcome: 'responded', bundleCid, txHash };
}

async function runSession(
  ctx: OperatorContext,
  deps: FetcherDeps,
  job: { requestId: Hex; spec: RequestSpec; notary: Address; me: Address },
): Promise<StoredSession> {
  const { requestId, spec, notary, me } = job;
  const url = new URL(spec.url);
  const request = (deps.buildRequest ?? buildHttpRequest)(spec, deps.secrets);
  // The proxy enforces this at connect time; checking first spares the notary a session that cannot succeed.
  await checkTarget(url.hostname, url.port === '' ? 443 : Number(url.port), deps.ssrf);
  const info = await registryOf(ctx).read.operatorInfo([notary]);
  const { notaryUrl } = decodeOperatorMetadata(info.metadataURI);

  const control = await openControl(`${notaryUrl}/session`, deps.sessionTimeoutMs);
  try {
    const hello = await signHello(ctx.account, {
      chainId: ctx.chainId,
      hub: ctx.hub.toLowerCase() as Address,
      requestId,
      prover: me,
      notary: notary.toLowerCase() as Address,
      nonce: randomBytes(16).toString('hex'),
      issuedAt: Math.floor(Date.now() / 1000),
    });
    control.ws.send(JSON.stringify(hello));
    const ready = await control.next(deps.sessionTimeoutMs);
    if (ready.type !== 'ready') throw notaryRefused(ready);
    await deps.onStage(requestId, 'notary-connected', { notary, notaryUrl });

    const limits = sessionLimits(spec);
    // progress hook (operator/progress.ts): the heartbeat's byte count as `mpc-progress` events
    const progress = progressReporter(
      limits,
      (p) => {
        // progress is best effort: a failed write must not become an unhandled rejection
        Promise.resolve(deps.onStage(requestId, 'mpc-progress', p)).catch(() => {});
      },
      Date.now,
      ctx.tuning?.network,
    );
    const proved = await prove({
      serverName: url.hostname,
      request,
      limits,
      onTraffic: progress.traffic,
      relayUrl: `${notaryUrl}/relay?room=${ready.room}&role=prover`,
      proxyUrl: proxyUrl(deps.proxyBaseUrl, url.hostname, url.port === '' ? 443 : Number(url.port)),
      wasmPath: ctx.wasmPath,
      timeoutMs: deps.sessionTimeoutMs,
      ...(ctx.tuning ? { tuning: ctx.tuning } : {}),
      limiter: ctx.limiters.prover,
      log: ctx.log.child({ requestId, role: 'prover' }),
      ...(deps.signal ? { signal: deps.signal } : {}),
      onProgress: (stage) => {
        if (stage === 'setup') void deps.onStage(requestId, 'mpc-setup');
        if (stage === 'request-sent') void deps.onStage(requestId, 'request-sent');
      },
    });
    progress.done();
    const answer = await control.next(deps.sessionTimeoutMs);
    if (answer.type !== 'attestation') throw notaryRefused(answer);

    const transcript = encodeTranscript({
      sent: proved.sent,
      recv: proved.recv,
      sentRanges: proved.sentRevealed,
      recvRanges: proved.recvRevealed,
    });
    await checkAttestation(
      ctx,
      { attestation: answer.attestation, signature: answer.signature as Hex },
      { requestId, me, notary, spec, transcript },
    );
    await deps.onStage(requestId, 'attested', { resultHash: answer.attestation.resultHash, notary });
    return {
      notary,
      transcript,
      attestation: answer.attestation,
      signature: answer.signature as Hex,
      timings: { ...proved.timings },
    };
  } finally {
    control.ws.close();
  }
}

/** The prover trusts its notary no more than anyone else: the attestation must match the prover's own transcript. */
async function checkAttestation(
  ctx: OperatorContext,
  signed: { attestation: Attestation; signature: Hex },
  expected: { requestId: Hex; me: Address; notary: Address; spec: RequestSpec; transcript: RevealedTranscript },
): Promise<void> {
  const a = signed.attestation;
  const t = decodeTranscript(expected.transcript);
  const mismatch = (field: string, why: string) =>
    new VeritasError('BUNDLE_INVALID', `the notary's attestation.${field} ${why}`, { field: `attestation.${field}` });
  const signer = await recoverAttestationSigner(attestationDomain(ctx.chainId, ctx.hub), a, signed.signature);
  if (signer.toLowerCase() !== expected.notary.toLowerCase())
    throw new VeritasError(
      'BAD_SIGNATURE',
      `attestation signed by ${signer}, not the assigned notary ${expected.notary}`,
      { field: 'attestation.signature' },
    );
  if (a.requestId !== expected.requestId) throw mismatch('requestId', 'names another request');
  if (a.prover !== expected.me) throw mismatch('prover', 'names another prover');
  if (a.notary !== expected.notary.toLowerCase()) throw mismatch('notary', 'names another notary');
  if (a.serverNameHash !== hashServerName(new URL(expected.spec.url).hostname))
    throw mismatch('serverNameHash', 'is not the spec host');
  if (a.sentHash !== transcriptHash(t.sent, t.sentRanges))
    throw mismatch('sentHash', 'does not match the sent transcript');
  if (a.recvHash !== transcriptHash(t.recv, t.recvRanges))
    throw mismatch('recvHash', 'does not match the received transcript');
  const { value } = extractFromResponse(expected.spec.extract, t.recv);
  if (a.resultHash !== hashJson(value)) throw mismatch('resultHash', 'is not the hash of the extracted value');
}

/**
 * The HTTP request of a spec, exactly its request template (core/http-message.ts): public headers as given, each
 * secret one from this operator's store — only if the store binds that ref to this very host, path and header
 * (refused before any connection otherwise) — padded to its slot so its length stays hidden.
 */
export function buildHttpRequest(spec: RequestSpec, secrets: SecretStore): ProveRequest {
  const template = requestTemplate(spec);
  const url = new URL(spec.url);
  const headers = template.headers.map((h) => {
    if (!('secret' in h)) return { name: h.name, value: h.value };
    const field = `headers[${h.secret.index}]`;
    const header = spec.headers[h.secret.index]!.name;
    const value = secrets.resolve({ ref: h.secret.ref, url: spec.url, header, field: `${field}.ref` });
    // Any SecretStore (not only the file's, which checks at load): the last point before the bytes enter a slot that
    // nobody after this prover can see into.
    if (!isSecretValue(value))
      throw new VeritasError(
        'INPUT_INVALID',
        `${field}.ref: this operator's value for secret "${h.secret.ref}" is not a valid header value ` +
          '(one RFC 9110 field value: printable ASCII, no CR or LF, no white space at either end)',
        { field: `${field}.ref` },
      );
    if (Buffer.byteLength(value) > h.secret.length)
      throw new VeritasError(
        'INPUT_INVALID',
        `${field}.maxLength: this operator's value for secret "${h.secret.ref}" does not fit in ${h.secret.length} bytes`,
        { field: `${field}.maxLength` },
      );
    return { name: h.name, value: value.padEnd(h.secret.length, ' '), secret: true };
  });
  return {
    method: spec.method,
    path: `${url.pathname}${url.search}`,
    uri: template.uri,
    headers,
    ...(template.bodyJson === undefined ? {} : { body: template.bodyJson }),
  };
}

// The notary's code is kept, so whether to retry is that code's decision in RETRYABLE (an unknown code: TLSN_FAILED).
const notaryRefused = (m: NotaryMessage) =>
  m.type === 'error'
    ? new VeritasError(isErrorCode(m.code) ? m.code : 'TLSN_FAILED', `notary refused: ${m.code}: ${m.message}`, {
        details: { notaryCode: m.code },
      })
    : new VeritasError('TLSN_FAILED', `unexpected notary message ${m.type}`);

/** The notary's control socket, with a queue so messages that arrive early are not lost. */
async function openControl(url: string, _timeoutMs: number) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const queue: NotaryMessage[] = [];
  const waiters: { resolve: (m: NotaryMessage) => void; reject: (e: Error) => void }[] = [];
  let closed: Error | undefined;
  ws.on('message', (data) => {
    let m: NotaryMessage;
    try {
      m = parseWith(NotaryMessage, JSON.parse(data.toString()), 'notary message', 'INPUT_INVALID');
    } catch (e) {
      closed = e as Error;
      ws.close();
      return;
    }
    const w = waiters.shift();
    if (w) w.resolve(m);
    else queue.push(m);
  });
  ws.on('close', () => {
    closed ??= new VeritasError('PEER_DISCONNECTED', 'the notary closed the session');
    for (const w of waiters.splice(0)) w.reject(closed);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', (e) =>
      reject(new VeritasError('SERVER_UNREACHABLE', `notary ${url} unreachable: ${e.message}`, { cause: e })),
    );
  });
  return {
    ws,
    next(ms: number): Promise<NotaryMessage> {
      const m = queue.shift();
      if (m) return Promise.resolve(m);
      if (closed) return Promise.reject(closed);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new VeritasError('TIMEOUT', 'the notary did not answer in time')), ms);
        waiters.push({
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
    },
  };
}
