// Parses the HTTP/1.1 response bytes of a (revealed) transcript: status, headers and the body, de-chunked.
//
// Used by the notary and the aggregator to replay the extraction on exactly the bytes the Verifier authenticated,
// so the parser is strict: anything it does not understand is an error, never a guess.
import { VeritasError } from './errors.ts';

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
    return { status: Number(m[1]), headers, body: new Uint8Array(rest.subarray(0, n)) };
  }
  // No framing: the body runs to the end of the connection (Connection: close).
  return { status: Number(m[1]), headers, body: new Uint8Array(rest) };
}

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
    if (size === 0) return new Uint8Array(Buffer.concat(parts));
    if (at + size + 2 > data.length) throw fail('truncated chunk');
    parts.push(data.subarray(at, at + size));
    at += size + 2;
  }
}

/**
 * Checks that a session proves the spec's request: the server name is the spec's host, and the revealed request
 * line, from byte 0, is exactly the spec's method and target — so a response fetched from another path or host
 * can never pass as the answer. tlsn-wasm writes the absolute form (`GET https://host/path HTTP/1.1`,
 * RFC 9112 §3.2.2); the origin form is accepted too. Shared by the notary (before it signs) and every verifier.
 */
export function assertSessionMatchesSpec(
  spec: { url: string; method: string },
  session: { serverName: string; sent: Uint8Array; sentRanges: readonly { start: number; end: number }[] },
): void {
  const url = new URL(spec.url);
  if (session.serverName !== url.hostname)
    throw new VeritasError(
      'TRANSCRIPT_MISMATCH',
      `the session was with ${session.serverName}, the spec asks for ${url.hostname}`,
      { field: 'serverName' },
    );
  const target = `${url.pathname}${url.search}`;
  const forms = [
    `${spec.method} ${url.protocol}//${url.host}${target} HTTP/1.1\r\n`,
    `${spec.method} ${target} HTTP/1.1\r\n`,
  ];
  const line = forms.find((l) => Buffer.from(session.sent.subarray(0, l.length)).toString('latin1') === l);
  if (!line || !session.sentRanges.some((r) => r.start === 0 && r.end >= line.length))
    throw new VeritasError('TRANSCRIPT_MISMATCH', `the revealed request line is not "${forms[0]!.trim()}"`, {
      field: 'transcript.sent',
    });
}
