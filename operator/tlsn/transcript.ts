// Selective disclosure: which transcript bytes the prover reveals, and the verified transcript's exact shape.
import { VeritasError } from '../../core/errors.ts';
import { normalizeRanges, redact as zeroOutside } from '../../schemas/transcript.ts';

/** Half-open byte range [start, end). */
export type { Range } from '../../schemas/transcript.ts';
import type { Range } from '../../schemas/transcript.ts';

/**
 * What the notary hashes into the attestation: bytes outside the authenticated ranges are ZERO, ranges are
 * sorted, merged and half-open.
 */
export type VerifiedTranscript = {
  serverName: string;
  /** Unix seconds of the TLS connection (connection_info.time). */
  tlsTime: number;
  sent: Uint8Array;
  recv: Uint8Array;
  sentRanges: Range[];
  recvRanges: Range[];
};

// Range normalization and redaction are THE definitions in schemas/transcript.ts: what the notary hashes must be
// exactly what every verifier re-hashes.
export { normalizeRanges, redact as zeroOutside } from '../../schemas/transcript.ts';

/** `whole` minus `holes`, normalized. */
export function subtractRanges(whole: readonly Range[], holes: readonly Range[]): Range[] {
  const hs = normalizeRanges(holes);
  const out: Range[] = [];
  for (const w of normalizeRanges(whole)) {
    let cursor = w.start;
    for (const h of hs) {
      if (h.end <= cursor || h.start >= w.end) continue;
      if (h.start > cursor) out.push({ start: cursor, end: h.start });
      cursor = Math.max(cursor, h.end);
    }
    if (cursor < w.end) out.push({ start: cursor, end: w.end });
  }
  return out;
}

/** Every occurrence of `needle` in `hay`, as ranges. */
export function findAll(hay: Uint8Array, needle: Uint8Array): Range[] {
  const out: Range[] = [];
  if (needle.length === 0) return out;
  const buf = Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength);
  for (let i = buf.indexOf(needle); i !== -1; i = buf.indexOf(needle, i + 1))
    out.push({ start: i, end: i + needle.length });
  return out;
}

export type RevealPlan = { sent: Range[]; recv: Range[] };

export type RevealOptions = {
  /** Names of headers whose values must never be revealed (case-insensitive). */
  secretHeaders: readonly string[];
  /** Secret values: hidden wherever they occur in either direction (a server may echo a token back). */
  secretValues?: readonly Uint8Array[];
  /** Hide the request body. */
  bodySecret?: boolean;
  /** Response ranges to reveal; the whole response by default. */
  recv?: readonly Range[];
};

const CRLF = Buffer.from('\r\n');

/**
 * Reveal ranges for one HTTP/1.1 request/response transcript: the request line and non-secret headers are
 * revealed, a secret header's name is revealed but never its value, the body unless it is secret, the whole
 * response unless told otherwise. Fails closed: an unparseable request reveals nothing rather than guessing.
 */
export function planReveal(sent: Uint8Array, recv: Uint8Array, options: RevealOptions): RevealPlan {
  const buf = Buffer.from(sent.buffer, sent.byteOffset, sent.byteLength);
  const secret = new Set(options.secretHeaders.map((h) => h.toLowerCase()));
  const hidden: Range[] = [];
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd === -1)
    throw new VeritasError('TLSN_FAILED', 'sent transcript holds no complete HTTP request head', {
      details: { sentLength: sent.length },
    });
  const lineEnd = buf.indexOf(CRLF);
  let pos = lineEnd + 2;
  while (pos < headEnd + 2) {
    const end = buf.indexOf(CRLF, pos);
    const colon = buf.indexOf(':', pos);
    if (colon === -1 || colon > end)
      throw new VeritasError('TLSN_FAILED', `malformed header line at byte ${pos} of the sent transcript`);
    const name = buf.subarray(pos, colon).toString('latin1').trim().toLowerCase();
    // hyper writes `name: value`: the value starts after the one space, which stays revealed like the name.
    if (secret.has(name)) hidden.push({ start: colon + 1 + (buf[colon + 1] === 0x20 ? 1 : 0), end });
    pos = end + 2;
  }
  if (options.bodySecret) hidden.push({ start: headEnd + 4, end: sent.length });
  for (const v of options.secretValues ?? []) hidden.push(...findAll(sent, v));
  const recvHidden: Range[] = [];
  for (const v of options.secretValues ?? []) recvHidden.push(...findAll(recv, v));
  return {
    sent: subtractRanges([{ start: 0, end: sent.length }], hidden),
    recv: subtractRanges(options.recv ?? [{ start: 0, end: recv.length }], recvHidden),
  };
}

/** The wasm's PartialTranscript, as the verifier returns it. */
export type WasmPartialTranscript = {
  sent: number[];
  sent_authed: Range[];
  recv: number[];
  recv_authed: Range[];
};

/** Builds the canonical VerifiedTranscript from the verifier's output; refuses one without a server name. */
export function toVerifiedTranscript(output: {
  server_name: string | undefined;
  connection_info: { time: number };
  transcript: WasmPartialTranscript | undefined;
}): VerifiedTranscript {
  if (!output.server_name) throw new VeritasError('TLSN_FAILED', 'the prover did not reveal the server identity');
  if (!output.transcript) throw new VeritasError('TLSN_FAILED', 'the prover revealed no transcript');
  const t = output.transcript;
  const sentRanges = normalizeRanges(t.sent_authed);
  const recvRanges = normalizeRanges(t.recv_authed);
  return {
    serverName: output.server_name,
    tlsTime: Number(output.connection_info.time),
    sent: zeroOutside(Uint8Array.from(t.sent), sentRanges),
    recv: zeroOutside(Uint8Array.from(t.recv), recvRanges),
    sentRanges,
    recvRanges,
  };
}
