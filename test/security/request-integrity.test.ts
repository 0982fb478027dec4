// Attacks on "what is attested is exactly what the spec asked": a prover reveals a sent transcript that differs
// from the spec's request (another body, a hidden extra header, a hidden Host, other framing) and asks the notary
// to sign it. Every one must be refused by the notary (`attest`) and by every verifier (the same shared check).
//
// The transcripts are built by hand, byte for byte, the way tlsn-wasm's hyper writes them (measured on a real
// session: absolute-form request line, `lowercase-name: value` lines in HashMap order, content-length last for a
// body); the real-MPC path of the same check runs in test/faults/byzantine.slow.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as http from '../../core/http-message.ts';
import { isVeritasError } from '../../core/errors.ts';
import { attest } from '../../operator/notary.ts';
import * as limits from '../../operator/limits.ts';
import { buildHttpRequest } from '../../operator/fetcher.ts';
import { secretStoreFrom } from '../../operator/secrets.ts';
import type { VerifiedTranscript } from '../../operator/tlsn/transcript.ts';
import { RequestSpec, type RequestSpecInput } from '../../schemas/spec.ts';
import { validateSpec } from '../../schemas/validate.ts';

const HOST = 'api.veritas.test';
const who = {
  requestId: `0x${'11'.repeat(32)}`,
  specHash: `0x${'44'.repeat(32)}`,
  prover: `0x${'22'.repeat(20)}`,
  notary: `0x${'33'.repeat(20)}`,
  trust: 'devnet',
} as const;

const specInput = (over: Partial<RequestSpecInput> = {}): RequestSpecInput => ({
  url: `https://${HOST}/v1/price?symbol=VRT`,
  method: 'POST',
  headers: [
    { name: 'Content-Type', value: 'application/json' },
    { name: 'Authorization', secret: true, ref: 'price-key' },
  ],
  body: '{"symbol":"VRT"}',
  extract: { jsonPath: '$.price' },
  quorum: 1,
  deadline: 2_000_000_000,
  ...over,
});
const spec = RequestSpec.parse(specInput());

/** A part of the wire: revealed text, or `n` hidden bytes (zero, as the Verifier returns them). */
type Part = string | number;
function wire(parts: Part[]): { sent: Uint8Array; sentRanges: { start: number; end: number }[] } {
  const chunks: Buffer[] = [];
  const ranges: { start: number; end: number }[] = [];
  let at = 0;
  for (const p of parts) {
    const b = typeof p === 'number' ? Buffer.alloc(p) : Buffer.from(p, 'utf8');
    if (typeof p === 'string' && b.length > 0) {
      const last = ranges.at(-1);
      if (last && last.end === at) last.end = at + b.length;
      else ranges.push({ start: at, end: at + b.length });
    }
    chunks.push(b);
    at += b.length;
  }
  return { sent: new Uint8Array(Buffer.concat(chunks)), sentRanges: ranges };
}

const responseBody = '{"price":12.5}';
const recvText = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${responseBody.length}\r\n\r\n${responseBody}`;
const recv = new Uint8Array(Buffer.from(recvText));

function session(parts: Part[], over: Partial<VerifiedTranscript> = {}): VerifiedTranscript {
  return {
    serverName: HOST,
    tlsTime: 1_900_000_000,
    ...wire(parts),
    recv,
    recvRanges: [{ start: 0, end: recv.length }],
    ...over,
  };
}

const LINE = `POST https://${HOST}/v1/price?symbol=VRT HTTP/1.1\r\n`;
const BODY = '{"symbol":"VRT"}';
/** The honest request, in the order one real session produced (HashMap order), the secret slot hidden. */
const honest = (o: { line?: string; head?: Part[]; tail?: Part[]; body?: string; cl?: number } = {}): Part[] => [
  o.line ?? LINE,
  ...(o.head ?? []),
  'authorization: ',
  64,
  '\r\naccept-encoding: identity\r\n',
  `host: ${HOST}\r\n`,
  'content-type: application/json\r\n',
  'connection: close\r\n',
  `content-length: ${o.cl ?? Buffer.byteLength(o.body ?? BODY)}\r\n`,
  ...(o.tail ?? []),
  '\r\n',
  o.body ?? BODY,
];

const refused = (parts: Part[], over: Partial<VerifiedTranscript> = {}, s = spec) =>
  assert.throws(
    () => attest(session(parts, over), s, who),
    (e: unknown) => isVeritasError(e, 'TRANSCRIPT_MISMATCH'),
  );

test('the honest request is attested, in any header order', () => {
  const a = attest(session(honest()), spec, who);
  assert.match(a.resultHash, /^0x[0-9a-f]{64}$/);
  // Another HashMap order of the same lines: still exactly the spec's request.
  attest(
    session([
      LINE,
      `host: ${HOST}\r\n`,
      'connection: close\r\n',
      'content-type: application/json\r\n',
      'accept-encoding: identity\r\n',
      'authorization: ',
      64,
      `\r\ncontent-length: ${BODY.length}\r\n\r\n`,
      BODY,
    ]),
    spec,
    who,
  );
});

test('attack: a POST body other than the spec’s is refused', () => {
  refused(honest({ body: '{"symbol":"EVL"}' }));
  refused(honest({ body: '{"symbol":"VRT","admin":true}' }));
  // The body's bytes hidden instead of revealed.
  refused([...honest().slice(0, -1), BODY.length]);
});

test('attack: a hidden extra header (a Cookie) is refused', () => {
  refused(honest({ tail: ['cookie: ', 24, '\r\n'] }));
  refused(honest({ head: ['cookie: session=stolen\r\n'] }));
  // The whole extra line hidden, name included.
  refused(honest({ tail: [30] }));
});

test('attack: origin form with a hidden Host naming another site behind the same certificate is refused', () => {
  const origin = `POST /v1/price?symbol=VRT HTTP/1.1\r\n`;
  refused([
    origin,
    'host: ',
    16,
    '\r\nauthorization: ',
    64,
    '\r\naccept-encoding: identity\r\ncontent-type: application/json\r\nconnection: close\r\n',
    `content-length: ${BODY.length}\r\n\r\n`,
    BODY,
  ]);
  // Origin form with the right Host revealed: still not what tlsn-wasm sends, so not the spec's request.
  refused(honest({ line: origin }));
  // The absolute form naming another host, or the spec's host in another case.
  refused(honest({ line: `POST https://admin.veritas.test/v1/price?symbol=VRT HTTP/1.1\r\n` }));
  refused(honest({ line: `POST https://API.veritas.test/v1/price?symbol=VRT HTTP/1.1\r\n` }));
  refused(honest({ line: `POST https://${HOST}/v1/price?symbol=VRT HTTP/1.0\r\n` }));
  refused(honest({ line: `GET https://${HOST}/v1/price?symbol=VRT HTTP/1.1\r\n` }));
});

test('variant: header name case and a host header other than the spec’s are refused', () => {
  const parts = honest().map((p) =>
    p === 'content-type: application/json\r\n' ? 'Content-Type: application/json\r\n' : p,
  );
  refused(parts);
  refused(honest().map((p) => (p === `host: ${HOST}\r\n` ? 'host: evil.example\r\n' : p)));
});

test('variant: white space around names and values is refused', () => {
  for (const line of [
    'content-type:application/json\r\n',
    'content-type:  application/json\r\n',
    'content-type: application/json \r\n',
    'content-type:\tapplication/json\r\n',
    ' content-type: application/json\r\n',
  ])
    refused(honest().map((p) => (p === 'content-type: application/json\r\n' ? line : p)));
});

test('variant: duplicate headers are refused', () => {
  refused(honest({ tail: ['content-type: application/json\r\n'] }));
  refused(honest({ tail: ['content-type: text/plain\r\n'] }));
  refused(honest({ tail: [`host: ${HOST}\r\n`] }));
  refused(honest({ tail: ['authorization: ', 64, '\r\n'] }));
});

test('variant: a chunked body or other framing is refused', () => {
  const chunked = [
    ...honest()
      .slice(0, -3)
      .filter((p) => !(typeof p === 'string' && p.startsWith('content-length'))),
    'transfer-encoding: chunked\r\n',
    '\r\n',
    `${BODY.length.toString(16)}\r\n${BODY}\r\n0\r\n\r\n`,
  ];
  refused(chunked);
  refused(honest({ cl: BODY.length + 1 }));
  refused(honest({ tail: ['transfer-encoding: chunked\r\n'] }));
});

test('variant: smuggled CRLF — a second request after the body, an injected line, a torn secret slot', () => {
  refused([...honest(), '\r\n\r\nGET https://api.veritas.test/admin HTTP/1.1\r\n\r\n']);
  refused(
    honest().map((p) =>
      p === 'content-type: application/json\r\n' ? 'content-type: application/json\r\nx-admin: 1\r\n' : p,
    ),
  );
  // The secret slot partly revealed (a shorter secret betrays its length), or of another length.
  refused(
    honest()
      .map((p) => (p === 64 ? 'Bearer ' : p))
      .flatMap((p) => (p === 'Bearer ' ? [p, 57] : [p])),
  );
  refused(honest().map((p) => (p === 64 ? 32 : p)));
  refused(honest().map((p) => (p === 64 ? 96 : p)));
});

test('the server name must be the spec’s host and the response must be revealed whole', () => {
  refused(honest(), { serverName: 'admin.veritas.test' });
  refused(honest(), { recvRanges: [{ start: 0, end: recv.length - 4 }] });
});

test('attack: a session that proves one spec is refused for another checked after it (templates are per spec)', () => {
  const s = session(honest());
  http.assertSessionMatchesSpec(spec, s); // the template of `spec` is now built
  for (const other of [
    RequestSpec.parse(specInput({ body: '{"symbol":"EVL"}' })),
    RequestSpec.parse(specInput({ url: `https://${HOST}/v1/price?symbol=EVL` })),
    RequestSpec.parse(specInput({ url: 'https://other.veritas.test/v1/price?symbol=VRT' })),
    RequestSpec.parse(specInput({ headers: [{ name: 'Content-Type', value: 'application/json' }] })),
  ])
    assert.throws(
      () => http.assertSessionMatchesSpec(other, s),
      (e: unknown) => isVeritasError(e, 'TRANSCRIPT_MISMATCH'),
    );
  http.assertSessionMatchesSpec(spec, s); // and the first spec still accepts it
});

test('a GET spec: exact request line, no body, no content-length', () => {
  const get = RequestSpec.parse(specInput({ method: 'GET', body: undefined, headers: [] }));
  const line = `GET https://${HOST}/v1/price?symbol=VRT HTTP/1.1\r\n`;
  attest(session([line, `accept-encoding: identity\r\nhost: ${HOST}\r\nconnection: close\r\n\r\n`]), get, who);
  refused(
    [line, `accept-encoding: identity\r\nhost: ${HOST}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`],
    {},
    get,
  );
  refused([line, `accept-encoding: identity\r\nhost: ${HOST}\r\nconnection: close\r\n\r\nx`], {}, get);
});

test('the template is what the prover hands the wasm, rendered the way hyper writes it', () => {
  const t = http.requestTemplate(spec);
  const request = buildHttpRequest(
    spec,
    secretStoreFrom({ 'price-key': { value: 'Bearer k', host: HOST, header: 'Authorization' } }),
  );
  assert.equal(request.uri, `https://${HOST}/v1/price?symbol=VRT`);
  // hyper: request line, `name: value` lines (content-length is given, so hyper adds none), blank line, body.
  assert.ok(request.headers.some((h) => h.name === 'content-length' && h.value === String(BODY.length)));
  const rendered = Buffer.concat([
    Buffer.from(`${request.method} ${request.uri} HTTP/1.1\r\n`),
    ...request.headers.map((h) => Buffer.from(`${h.name.toLowerCase()}: ${h.value}\r\n`)),
    Buffer.from('\r\n'),
    Buffer.from(http.serdeJsonText(request.body)!),
  ]);
  assert.equal(rendered.length, t.length);
  const slot = rendered.indexOf('Bearer k');
  const ranges = [
    { start: 0, end: slot },
    { start: slot + 64, end: rendered.length },
  ];
  http.assertSentMatchesTemplate(t, new Uint8Array(rendered.fill(0, slot, slot + 64)), ranges);
});

test('limits: identical on both sides from the spec alone, the template length exactly', () => {
  // Prover and notary both call sessionLimits(spec); nothing in it depends on who calls or on secret values.
  const a = limits.sessionLimits(spec);
  const b = limits.sessionLimits(RequestSpec.parse(JSON.parse(JSON.stringify(spec))));
  assert.deepEqual(a, b);
  assert.equal(a.maxSentBytes, http.requestTemplate(spec).length + limits.SENT_SLACK_BYTES);
  assert.equal(a.maxRecvBytes, spec.maxResponseBytes);
});

test('limits: a secret’s length is hidden to 32 bytes; a value longer than its slot is refused', () => {
  assert.equal(http.secretSlotLength(undefined), 64);
  assert.equal(http.secretSlotLength(1), 32);
  assert.equal(http.secretSlotLength(32), 32);
  assert.equal(http.secretSlotLength(33), 64);
  assert.equal(http.secretSlotLength(100), 128);
  const lengths = ['k', 'k'.repeat(40), 'k'.repeat(64)].map((value) => {
    const r = buildHttpRequest(spec, secretStoreFrom({ 'price-key': { value, host: HOST } }));
    const h = r.headers.find((x) => x.secret)!;
    return Buffer.byteLength(h.value);
  });
  assert.deepEqual(lengths, [64, 64, 64]);
  assert.throws(
    () => buildHttpRequest(spec, secretStoreFrom({ 'price-key': { value: 'k'.repeat(65), host: HOST } })),
    (e: unknown) =>
      isVeritasError(e, 'INPUT_INVALID') && e.field === 'headers[1].maxLength' && !e.message.includes('kkk'),
  );
  const wide = RequestSpec.parse(
    specInput({
      headers: [
        { name: 'Content-Type', value: 'application/json' },
        { name: 'Authorization', secret: true, ref: 'price-key', maxLength: 70 },
      ],
    }),
  );
  assert.equal(limits.sessionLimits(wide).maxSentBytes - limits.sessionLimits(spec).maxSentBytes, 96 - 64);
});

test('a body the wasm would re-serialize differently is refused at validation, naming body', () => {
  for (const body of ['{ "symbol": "VRT" }', '{"b":1,"a":2}', '{"p":1.5}', '"text"x', 'not json'])
    assert.throws(
      () => validateSpec(specInput({ body })),
      (e: unknown) => isVeritasError(e, 'INPUT_INVALID') && e.field === 'body',
      body,
    );
  assert.equal(validateSpec(specInput({ body: '{"a":2,"b":[1,"x\\n"]}' })).body, '{"a":2,"b":[1,"x\\n"]}');
});

test('tlsTime must lie in the request’s window, with the documented skew', async () => {
  const { tlsTimeOutsideWindow, TLS_TIME_SKEW_SECONDS: skew } = await import('../../core/verify/bundle.ts');
  const created = 1_900_000_000;
  const deadline = created + 3600;
  assert.equal(tlsTimeOutsideWindow(created + 10, created, deadline), undefined);
  assert.equal(tlsTimeOutsideWindow(created - skew, created, deadline), undefined);
  assert.equal(tlsTimeOutsideWindow(deadline + skew, created, deadline), undefined);
  assert.match(tlsTimeOutsideWindow(created - skew - 1, created, deadline) ?? '', /before the request was created/);
  assert.match(tlsTimeOutsideWindow(deadline + skew + 1, created, deadline) ?? '', /after the request's deadline/);
  assert.match(tlsTimeOutsideWindow(Number.NaN, created, deadline) ?? '', /not a time/);
});
