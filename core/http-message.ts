// HTTP/1.1 on both sides of a transcript: the exact request bytes a spec stands for (`requestTemplate`), the check
// that a revealed sent transcript is those bytes (`assertSentMatchesTemplate`), and the strict response parser.
//
// Used by the prover (what to send), the notary (before it signs) and every verifier after them, so what is
// attested is exactly what the spec asked, and nothing the parser does not understand is ever guessed at.
import { serdeJsonText } from '../schemas/serde-json.ts';
import { VeritasError } from './errors.ts';

export { serdeJsonText };
import type { Range } from '../schemas/transcript.ts';

export type HttpResponse = { status: number; headers: Map<string, string>; body: Uint8Array };

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const fail = (reason: string) =>
  new VeritasError('EXTRACTION_FAILED', `HTTP response: ${reason}`, { field: 'transcript.recv' });

export function parseHttpResponse(bytes: Uint8Array): HttpResponse {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headEnd = buf.indexOf(HEAD_END);
  if (headEnd < 0) throw fail('no end of headers');
  const [statusLine, ...lines] = buf.subarray(0, headEnd).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine ?? '');
  if (!m) throw fail(`bad status line ${JSON.stringify(statusLine?.slice(0, 80))}`);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw fail(`bad header line ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    // Repeated headers are joined as RFC 9110 §5.3 allows; content-length must not disagree with itself.
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  const rest = buf.subarray(headEnd + 4);
  const te = headers.get('transfer-encoding')?.toLowerCase();
  if (te !== undefined) {
    if (te !== 'chunked') throw fail(`unsupported transfer-encoding ${te}`);
    return { status: Number(m[1]), headers, body: dechunk(rest) };
  }
  const cl = headers.get('content-length');
  if (cl !== undefined) {
    if (!/^\d+$/.test(cl)) throw fail(`bad content-length ${cl}`);
    const n = Number(cl);
    if (rest.length < n) throw fail(`body shorter than content-length (${rest.length} < ${n})`);
    if (rest.length > n) throw afterResponse(rest.length - n);
    return { status: Number(m[1]), headers, body: new Uint8Array(rest.subarray(0, n)) };
  }
  // No framing: the body runs to the end of the connection (Connection: close).
  return { status: Number(m[1]), headers, body: new Uint8Array(rest) };
}

// The request says `connection: close`: one response, then the end. Bytes after a framed response are a second,
// pipelined one (a request smuggled inside a secret slot, docs/PROTOCOL.md "Secret slots") or garbage: never ignored.
const afterResponse = (extra: number) =>
  fail(`${extra} bytes after the response: a transcript holds exactly one response (a pipelined second one?)`);

function dechunk(data: Buffer): Uint8Array {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf(CRLF, at);
    if (lineEnd < 0) throw fail('truncated chunk size');
    const sizeText = data.subarray(at, lineEnd).toString('latin1').split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw fail(`bad chunk size ${JSON.stringify(sizeText)}`);
    const size = parseInt(sizeText, 16);
    at = lineEnd + 2;
    if (size === 0) {
      // trailer lines, then the blank line that ends the message, then nothing (RFC 9112 §7.1)
      for (;;) {
        const end = data.indexOf(CRLF, at);
        if (end < 0) throw fail('truncated chunked trailer');
        const blank = end === at;
        at = end + 2;
        if (blank) break;
      }
      if (at !== data.length) throw afterResponse(data.length - at);
      return new Uint8Array(Buffer.concat(parts));
    }
    if (at + size + 2 > data.length) throw fail('truncated chunk');
    parts.push(data.subarray(at, at + size));
    at += size + 2;
  }
}

/** A secret header value is padded to a multiple of this many bytes, so the transcript hides its exact length. */
export const SECRET_LENGTH_STEP = 32;
/** A secret header's declared maximum length when the spec gives none. */
export const DEFAULT_SECRET_MAX_LENGTH = 64;
/** The bytes a secret value occupies in the request: its declared maximum, rounded up to SECRET_LENGTH_STEP. */
export const secretSlotLength = (maxLength: number = DEFAULT_SECRET_MAX_LENGTH): number =>
  Math.ceil(Math.max(maxLength, 1) / SECRET_LENGTH_STEP) * SECRET_LENGTH_STEP;

/** One header line of the request: public (exact value) or secret (a hidden slot of a fixed length). */
export type TemplateHeader =
  | { name: string; value: string }
  /** `index`: position of the header in `spec.headers`. */
  | { name: string; secret: { ref: string; length: number; index: number } };

/** The request a spec stands for, exactly as tlsn-wasm writes it (see `requestTemplate`). */
export type RequestTemplate = {
  method: 'GET' | 'POST';
  /** The absolute-form request target (RFC 9112 §3.2.2), e.g. `https://api.example.com/v1/price?x=1`. */
  uri: string;
  requestLine: string;
  headers: TemplateHeader[];
  /** The body bytes (empty for none) and the JSON value the wasm is given to produce them. */
  body: Uint8Array;
  bodyJson?: unknown;
  /** Total bytes on the wire: the same whatever the header order and whatever the secret values. */
  length: number;
};

type RequestPart = {
  url: string;
  method: 'GET' | 'POST';
  headers: readonly (
    | { name: string; value: string }
    | { name: string; secret: true; ref: string; maxLength?: number }
  )[];
  body?: string | undefined;
};

const enc = (s: string): Buffer => Buffer.from(s, 'utf8');
const lineLength = (h: TemplateHeader): number =>
  enc(h.name).length + 2 + ('secret' in h ? h.secret.length : enc(h.value).length) + 2;

/**
 * THE request of a spec, as tlsn-wasm 0.1.0-alpha.12 sends it (measured on a real session, see
 * test/security/request-integrity.test.ts): hyper writes `METHOD <absolute URI> HTTP/1.1`, then every header as
 * `lowercase-name: value\r\n`, then `\r\n` and the body. The prover adds `accept-encoding: identity` (unless the
 * spec sets it: a compressed body cannot be extracted), `host`, `connection: close` and, for a body,
 * `content-length` (hyper adds it). The body is the spec's JSON text; the wasm takes it as a JSON value and
 * re-serializes it with serde_json, which is why `validateSpec` accepts only bodies that serialize to themselves.
 * The wasm keeps headers in a Rust HashMap, so their ORDER on the wire is not ours to choose: the template fixes
 * every line's bytes and the check accepts them in any order, each exactly once (names are distinct, so order
 * carries no meaning, RFC 9110 §5.3). A secret value occupies exactly `secretSlotLength(maxLength)` bytes, padded
 * with trailing spaces (optional white space every server strips, RFC 9110 §5.5).
 */
export function requestTemplate(spec: RequestPart): RequestTemplate {
  const url = new URL(spec.url);
  const uri = `${url.protocol}//${url.host}${url.pathname}${url.search}`;
  const requestLine = `${spec.method} ${uri} HTTP/1.1\r\n`;
  const headers: TemplateHeader[] = spec.headers.map((h, index) =>
    'secret' in h
      ? { name: h.name.toLowerCase(), secret: { ref: h.ref, length: secretSlotLength(h.maxLength), index } }
      : { name: h.name.toLowerCase(), value: h.value },
  );
  if (!headers.some((h) => h.name === 'accept-encoding')) headers.push({ name: 'accept-encoding', value: 'identity' });
  headers.push({ name: 'host', value: url.host }, { name: 'connection', value: 'close' });
  const body = spec.body === undefined ? new Uint8Array() : new Uint8Array(enc(spec.body));
  if (body.length > 0) headers.push({ name: 'content-length', value: String(body.length) });
  const length = enc(requestLine).length + headers.reduce((n, h) => n + lineLength(h), 0) + 2 + body.length;
  return {
    method: spec.method,
    uri,
    requestLine,
    headers,
    body,
    ...(spec.body === undefined ? {} : { bodyJson: JSON.parse(spec.body) as unknown }),
    length,
  };
}

const CRLF_BYTES = enc('\r\n');

/**
 * Accepts a revealed sent transcript only if it is the template's bytes, every byte revealed except the secret
 * slots, which are wholly hidden: the request line first, each template header line exactly once (any order),
 * the blank line, the body, and nothing after. Throws TRANSCRIPT_MISMATCH saying where it differs.
 */
export function assertSentMatchesTemplate(t: RequestTemplate, sent: Uint8Array, sentRanges: readonly Range[]): void {
  const fail = (why: string) =>
    new VeritasError('TRANSCRIPT_MISMATCH', `the revealed request is not the spec's: ${why}`, {
      field: 'transcript.sent',
    });
  const revealed = new Uint8Array(sent.length);
  for (const r of sentRanges) revealed.fill(1, Math.max(0, r.start), Math.min(sent.length, r.end));
  const allRevealed = (a: number, b: number) => revealed.subarray(a, b).every((x) => x === 1);
  const allHidden = (a: number, b: number) => revealed.subarray(a, b).every((x) => x === 0);
  const bytesAt = (at: number, bytes: Uint8Array) =>
    at + bytes.length <= sent.length &&
    Buffer.compare(sent.subarray(at, at + bytes.length), bytes) === 0 &&
    allRevealed(at, at + bytes.length);
  const shown = (at: number) => {
    const end = Buffer.from(sent.subarray(at)).indexOf(CRLF_BYTES);
    const text = Buffer.from(sent.subarray(at, end < 0 ? Math.min(sent.length, at + 60) : end)).toString('latin1');
    return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
  };

  if (sent.length !== t.length)
    throw fail(`it is ${sent.length} bytes long, the spec's request is exactly ${t.length}`);
  const line = enc(t.requestLine);
  if (!bytesAt(0, line)) throw fail(`the request line is not "${t.requestLine.trimEnd()}" (got ${shown(0)})`);
  let at = line.length;
  const matchesAt = (h: TemplateHeader, p: number): boolean => {
    const prefix = enc(`${h.name}: `);
    if (!('secret' in h)) return bytesAt(p, enc(`${h.name}: ${h.value}\r\n`));
    const slot = p + prefix.length;
    return bytesAt(p, prefix) && allHidden(slot, slot + h.secret.length) && bytesAt(slot + h.secret.length, CRLF_BYTES);
  };
  const pending = [...t.headers];
  while (pending.length > 0) {
    const i = pending.findIndex((h) => matchesAt(h, at));
    if (i < 0) throw fail(`at byte ${at}, ${shown(at)} is not one of the spec's header lines`);
    at += lineLength(pending[i]!);
    pending.splice(i, 1);
  }
  if (!bytesAt(at, CRLF_BYTES))
    throw fail(`after the spec's headers, byte ${at} holds ${shown(at)}, not the blank line`);
  at += 2;
  if (!bytesAt(at, t.body) || at + t.body.length !== sent.length) throw fail("the body is not the spec's body");
}

// A verifier checks every bundle of a request against one spec object: its template is built once per object (specs
// are parsed, never mutated; a spec with other contents is another object and gets its own).
const sessionTemplates = new WeakMap<RequestPart, { hostname: string; template: RequestTemplate }>();

/**
 * Checks that a session proves the spec's request: the server name is the spec's host, the revealed request is
 * exactly the spec's (`assertSentMatchesTemplate`) and the response is revealed in full. Shared by the notary
 * (before it signs) and every verifier.
 */
export function assertSessionMatchesSpec(
  spec: RequestPart,
  session: {
    serverName: string;
    sent: Uint8Array;
    sentRanges: readonly Range[];
    recv: Uint8Array;
    recvRanges: readonly Range[];
  },
): void {
  let expected = sessionTemplates.get(spec);
  if (!expected) {
    expected = { hostname: new URL(spec.url).hostname, template: requestTemplate(spec) };
    sessionTemplates.set(spec, expected);
  }
  if (session.serverName !== expected.hostname)
    throw new VeritasError(
      'TRANSCRIPT_MISMATCH',
      `the session was with ${session.serverName}, the spec asks for ${expected.hostname}`,
      { field: 'serverName' },
    );
  assertSentMatchesTemplate(expected.template, session.sent, session.sentRanges);
  const r = session.recvRanges;
  if (!(r.length === 1 && r[0]!.start === 0 && r[0]!.end === session.recv.length) && session.recv.length > 0)
    throw new VeritasError('TRANSCRIPT_MISMATCH', 'the response must be revealed whole', { field: 'transcript.recv' });
}
