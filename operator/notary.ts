// The notary service: a WebSocket endpoint where assigned provers run MPC-TLS against this operator's Verifier,
// and get back an EIP-712 attestation computed only from what the Verifier itself authenticated.
//
// One HTTP server carries both the control socket (`/session`) and the MPC relay (`/relay`). The relay room is a
// fresh random id reserved and handed out only after the hello checks (assigned prover, signed fresh hello): the relay
// refuses every other room (HTTP 403), so the room id is the capability to join it.
//
// Bounded memory (issue 13): a hello's `issuedAt` must lie within HELLO_WINDOW_SECONDS of the notary's clock, so a
// nonce needs remembering only until its hello has left that window (2 × the window after it was seen); older ones are
// forgotten. The set is also capped (`maxNonces`): when it is full of fresh nonces, new hellos are refused with BUSY
// (retryable) rather than forgetting a nonce that could still be replayed. Control sockets are capped too.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import type { LocalAccount } from 'viem';
import { hashJson } from '../core/canonical.ts';
import { signAttestation, hashServerName, numericValueOf } from '../core/chain/attestation.ts';
import { normalizeAnswer } from '../core/aggregation/normalize.ts';
import { attestationDomain, TRUST_CODES, type Attestation } from '../schemas/attestation.ts';
import type { TrustMode } from '../schemas/bundle.ts';
import { transcriptHash } from '../core/transcript-hash.ts';
import { compileResultSchema } from '../schemas/validate.ts';
import { extractFromResponse } from '../core/extract.ts';
import { assertSessionMatchesSpec } from '../core/http-message.ts';
import { VeritasError, toVeritasError } from '../core/errors.ts';
import { publicError } from '../core/public-error.ts';
import { requestLogger, type Logger } from '../core/log.ts';
import { parseWith } from '../schemas/common.ts';
import { checkHello, Hello, type NotaryMessage } from './protocol.ts';
import { sessionLimits } from './limits.ts';
import type { FileStore } from './store.ts';
import type { OperatorContext } from './context.ts';
import { hubOf, readRequest } from './context.ts';
import { createRelay, type RelayUsage } from './tlsn/relay.ts';
import { metrics } from '../core/metrics.ts';
import { verify } from './tlsn/session.ts';
import type { VerifiedTranscript } from './tlsn/transcript.ts';

export type NotaryService = { url: string; port: number; stats(): NotaryStats; close(): Promise<void> };

export type NotaryOptions = {
  host: string;
  port: number;
  /** The URL provers are told to use, when it differs from the bound address (behind a proxy). */
  publicUrl?: string;
  /** Signed attestations by `${requestId}-${prover}`: one per pair, ever (equivocation is slashable). */
  attestations: FileStore;
  sessionTimeoutMs: number;
  /** Plain HTTP requests (health, metrics): answered when it returns true, else the 426 below. */
  onHttp?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
  /** Test seam, never set by the operator: the fault suite's colluding notary (test/faults/byzantine.slow.ts). */
  attest?: typeof attest;
  /** Most nonces remembered at once (default 100 000). */
  maxNonces?: number;
  /** Most control sockets open at once (default 256). */
  maxControlSockets?: number;
  /** The notary's clock in ms (default Date.now); tests move it instead of waiting. */
  now?: () => number;
};

export type NotaryStats = {
  usedNonces: number;
  inFlight: number;
  controlSockets: number;
  relay: RelayUsage;
};

/**
 * How this process reaches its own listener on `host`: that address itself (a notary bound to one interface, as on
 * a host of its own, does not answer on loopback), or loopback when it is bound to every address.
 */
export function selfHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** A hello's issuedAt may be this far from the notary's clock, either way; older or later hellos are refused. */
export const HELLO_WINDOW_SECONDS = 120;

export async function startNotaryService(ctx: OperatorContext, options: NotaryOptions): Promise<NotaryService> {
  const log = ctx.log.child({ component: 'notary' });
  const relay = createRelay({
    path: '/relay',
    reservedOnly: true,
    onRoomClosed: (s) => {
      metrics.bytesRelayed.inc({ from: 'prover' }, s.bytes.prover);
      metrics.bytesRelayed.inc({ from: 'verifier' }, s.bytes.verifier);
    },
  });
  const control = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const server = http.createServer((req, res) => {
    if (options.onHttp?.(req, res)) return;
    res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket only\n');
  });
  const now = options.now ?? Date.now;
  const maxNonces = options.maxNonces ?? 100_000;
  const maxControlSockets = options.maxControlSockets ?? 256;
  // nonce → when it may be forgotten (ms); insertion order is time order, so pruning reads from the front
  const usedNonces = new Map<string, number>();
  const inFlight = new Set<string>();
  const pruneNonces = () => {
    const t = now();
    for (const [nonce, forgetAt] of usedNonces) {
      if (forgetAt > t) break;
      usedNonces.delete(nonce);
    }
  };

  server.on('upgrade', (req, socket, head) => {
    if (relay.handleUpgrade(req, socket, head)) return;
    if (new URL(req.url ?? '/', 'ws://x').pathname === '/session') {
      if (control.clients.size >= maxControlSockets) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\nnotary busy; try again later\n');
        return;
      }
      control.handleUpgrade(req, socket, head, (ws) => void serve(ws));
      return;
    }
    socket.destroy();
  });

  const send = (ws: WebSocket, m: NotaryMessage) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(m));

  async function serve(ws: WebSocket): Promise<void> {
    const hello = await firstMessage(ws, 10_000).catch((e: unknown) => {
      send(ws, { type: 'error', ...errorBody(e) });
      ws.close();
    });
    if (hello === undefined) return;
    let rlog: Logger = log;
    const hungUp = new AbortController();
    ws.once('close', () => hungUp.abort(new VeritasError('PEER_DISCONNECTED', 'the prover closed the session')));
    let key: string | undefined;
    try {
      const h = parseWith(Hello, hello, 'hello', 'INPUT_INVALID');
      rlog = requestLogger(log, h.requestId).child({ prover: h.prover });
      await checkHello(h, {
        chainId: ctx.chainId,
        hub: ctx.hub,
        notary: ctx.account.address,
        nowSeconds: Math.floor(now() / 1000),
        maxSkewSeconds: HELLO_WINDOW_SECONDS,
      });
      pruneNonces();
      if (usedNonces.has(h.nonce))
        throw new VeritasError('INPUT_INVALID', 'hello.nonce: already used', { field: 'hello.nonce' });
      if (usedNonces.size >= maxNonces)
        throw new VeritasError('BUSY', 'the notary is refusing new sessions for a moment; try again shortly');
      usedNonces.set(h.nonce, now() + 2 * HELLO_WINDOW_SECONDS * 1000);

      // On-chain: is this prover assigned to me for this request, and is the request still open?
      const requestId = h.requestId as `0x${string}`;
      // Who is asking comes first: a stranger learns nothing about the request, not even whether it is still open.
      const [assigned, assignedNotary] = await hubOf(ctx).read.isAssigned([requestId, h.prover]);
      if (!assigned || assignedNotary.toLowerCase() !== ctx.account.address.toLowerCase())
        throw new VeritasError(
          'NOT_ASSIGNED',
          `prover ${h.prover} is not assigned to notary ${ctx.account.address} for ${h.requestId}`,
          { field: 'hello.prover' },
        );
      const { request, spec } = await readRequest(ctx, requestId, h.prover);

      key = `${h.requestId}-${h.prover}`;
      // One attestation per (request, prover), ever: a second one with other hashes would be slashable equivocation.
      if ((await options.attestations.get(key)) !== undefined)
        throw new VeritasError(
          'INPUT_INVALID',
          `an attestation for prover ${h.prover} on ${h.requestId} was already issued`,
          { field: 'hello.requestId' },
        );
      // A prover that restarted may be back before its previous session has finished tearing down here.
      if (inFlight.has(key))
        throw new VeritasError('BUSY', `a session for prover ${h.prover} on ${h.requestId} is still in progress`);
      inFlight.add(key);

      const room = randomBytes(16).toString('hex');
      // the room exists from now on, for this accepted session only (the relay refuses any other)
      if (!relay.reserve(room)) throw new VeritasError('BUSY', 'the notary relay is at its room limit; try again');
      rlog.info({ room }, 'notary session accepted');
      const verified = await verify({
        limits: sessionLimits(spec),
        relayUrl: `ws://${selfHost(options.host)}:${port}/relay?room=${room}&role=verifier`,
        wasmPath: ctx.wasmPath,
        timeoutMs: options.sessionTimeoutMs,
        tuning: ctx.tuning,
        limiter: ctx.limiters.verifier,
        // The prover hanging up ends the session at once, freeing its slot and its (request, prover) key.
        signal: hungUp.signal,
        log: rlog,
        onReady: () => send(ws, { type: 'ready', room }),
      });

      const attestation = (options.attest ?? attest)(verified, spec, {
        requestId,
        specHash: request.specHash,
        prover: h.prover,
        notary: ctx.account.address,
        trust: ctx.trust,
      });
      const signature = await signAttestation(
        ctx.account as LocalAccount,
        attestationDomain(ctx.chainId, ctx.hub),
        attestation,
      );
      await options.attestations.put(key, { attestation, signature, request: { deadline: Number(request.deadline) } });
      send(ws, { type: 'attestation', attestation, signature });
      rlog.info({ resultHash: attestation.resultHash, serverName: verified.serverName }, 'attestation signed');
    } catch (e) {
      const err = toVeritasError(e);
      rlog.warn({ code: err.code, err: err.message }, 'notary session refused or failed');
      metrics.notaryRefusals.inc({ code: err.code });
      send(ws, { type: 'error', ...errorBody(err) });
    } finally {
      if (key) inFlight.delete(key);
      ws.close();
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const port = (server.address() as { port: number }).port;
  const url = options.publicUrl ?? `ws://${options.host}:${port}`;
  log.info({ url }, 'notary service listening');
  return {
    url,
    port,
    stats: () => ({
      usedNonces: usedNonces.size,
      inFlight: inFlight.size,
      controlSockets: control.clients.size,
      relay: relay.usage(),
    }),
    async close() {
      for (const ws of control.clients) ws.terminate();
      await relay.close();
      await new Promise<void>((resolve) => control.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The attestation, computed from the Verifier's output alone: the prover must have sent exactly the spec's
 * request line to the spec's host, and the value is the spec's extraction replayed on the authenticated response.
 */
export function attest(
  v: VerifiedTranscript,
  spec: import('../schemas/spec.ts').RequestSpec,
  who: {
    requestId: `0x${string}`;
    specHash: `0x${string}`;
    prover: `0x${string}`;
    notary: `0x${string}`;
    trust: TrustMode;
  },
): Attestation {
  assertSessionMatchesSpec(spec, v);
  return attestationFields(v, spec, who);
}

/**
 * The attestation's fields from a Verifier's output: the value is the spec's extraction replayed on the response
 * (revealed whole) and checked against its result schema. The request itself is not checked here: `attest` checks it
 * first (the fault suite's colluding notary is the one caller that skips it).
 */
export function attestationFields(
  v: VerifiedTranscript,
  spec: import('../schemas/spec.ts').RequestSpec,
  who: Parameters<typeof attest>[2],
): Attestation {
  const recvWhole = v.recvRanges.length === 1 && v.recvRanges[0]!.start === 0 && v.recvRanges[0]!.end === v.recv.length;
  if (!recvWhole)
    throw new VeritasError('INPUT_INVALID', 'the response must be revealed whole', { field: 'transcript.recv' });

  const { value } = extractFromResponse(spec.extract, v.recv);
  compileResultSchema(spec.resultSchema)(value);
  // hub v2: the normalized answer is attested (hash and, for single numbers, the scaled integer), so the hub can
  // compare answers at fulfil; the spec hash and this Verifier's trust anchor are signed with it
  const normalized = normalizeAnswer(value, spec.value, spec.records);
  return {
    requestId: who.requestId,
    specHash: who.specHash.toLowerCase() as `0x${string}`,
    prover: who.prover.toLowerCase() as `0x${string}`,
    notary: who.notary.toLowerCase() as `0x${string}`,
    trust: TRUST_CODES[who.trust],
    serverNameHash: hashServerName(v.serverName),
    tlsTime: v.tlsTime,
    sentHash: transcriptHash(v.sent, v.sentRanges),
    recvHash: transcriptHash(v.recv, v.recvRanges),
    resultHash: hashJson(normalized),
    numericValue: (spec.records === 'single' ? numericValueOf(normalized, spec.value.precision) : 0n).toString(),
  };
}

function firstMessage(ws: WebSocket, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new VeritasError('TIMEOUT', 'no hello within 10 s')), timeoutMs);
    ws.once('message', (data) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(data.toString()));
      } catch {
        reject(new VeritasError('INPUT_INVALID', 'hello: not JSON', { field: 'hello' }));
      }
    });
    ws.once('close', () => {
      clearTimeout(timer);
      reject(new VeritasError('PEER_DISCONNECTED', 'closed before hello'));
    });
  });
}

// What the prover is told (and may publish): never this operator's RPC URL or other internals.
const errorBody = (e: unknown) => publicError(e);
