import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractFromResponse, extractValue } from '../../core/extract.ts';
import { parseHttpResponse } from '../../core/http-message.ts';
import { isVeritasError } from '../../core/errors.ts';

const utf8 = (s: string) => new TextEncoder().encode(s);
const body = utf8(
  JSON.stringify({
    price: 101.25,
    rows: [
      { id: 1, t: 'a' },
      { id: 2, t: 'b' },
    ],
    meta: { ts: '2026-11-25T10:00:00Z' },
  }),
);

test('a definite JSONPath yields the value itself', () => {
  assert.equal(extractValue({ jsonPath: '$.price' }, body), 101.25);
  assert.deepEqual(extractValue({ jsonPath: '$.rows[1]' }, body), { id: 2, t: 'b' });
  assert.deepEqual(extractValue({ jsonPath: '$.rows' }, body), [
    { id: 1, t: 'a' },
    { id: 2, t: 'b' },
  ]);
});

test('an indefinite JSONPath always yields the array of matches', () => {
  assert.deepEqual(extractValue({ jsonPath: '$.rows[*].id' }, body), [1, 2]);
  assert.deepEqual(extractValue({ jsonPath: '$..ts' }, body), ['2026-11-25T10:00:00Z']);
  assert.deepEqual(extractValue({ jsonPath: '$.rows[?(@.id > 1)].t' }, body), ['b']);
  assert.deepEqual(extractValue({ jsonPath: '$.nothing[*]' }, body), []);
});

test('regex capture by number and by name', () => {
  const html = utf8('<span id="p">42.5</span>');
  assert.equal(extractValue({ regex: 'id="p">([0-9.]+)<', group: 1, flags: '' }, html), '42.5');
  assert.equal(extractValue({ regex: '>(?<v>[0-9.]+)<', group: 'v', flags: '' }, html), '42.5');
});

test('failures are EXTRACTION_FAILED naming the rule', () => {
  const cases: [() => unknown, string][] = [
    [() => extractValue({ jsonPath: '$.missing' }, body), 'extract.jsonPath'],
    [() => extractValue({ jsonPath: '$.a' }, utf8('<html>')), 'extract.jsonPath'],
    [() => extractValue({ regex: 'nope', group: 1, flags: '' }, body), 'extract.regex'],
    [() => extractValue({ regex: 'price', group: 1, flags: '' }, body), 'extract.group'],
    [() => extractValue({ jsonPath: '$.a' }, new Uint8Array([0xff, 0xfe])), 'body'],
  ];
  for (const [run, field] of cases)
    assert.throws(run, (e) => isVeritasError(e, 'EXTRACTION_FAILED') && e.field === field);
});

test('filter expressions cannot reach the host (safe eval)', () => {
  assert.throws(() => extractValue({ jsonPath: '$.rows[?(@.constructor.constructor("return process")())]' }, body));
});

test('HTTP responses: content-length, chunked, and close-delimited bodies', () => {
  const cl = parseHttpResponse(
    utf8('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}'),
  );
  assert.equal(cl.status, 200);
  assert.equal(cl.headers.get('content-type'), 'application/json');
  assert.equal(Buffer.from(cl.body).toString(), '{"a":1}');
  const chunked = parseHttpResponse(
    utf8('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n3;ext=1\r\n:1}\r\n0\r\n\r\n'),
  );
  assert.equal(Buffer.from(chunked.body).toString(), '{"a":1}');
  const trailers = parseHttpResponse(
    utf8('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-Trailer: 1\r\n\r\n'),
  );
  assert.equal(Buffer.from(trailers.body).toString(), '{}');
  const closed = parseHttpResponse(utf8('HTTP/1.0 200 OK\r\n\r\n[1,2]'));
  assert.equal(Buffer.from(closed.body).toString(), '[1,2]');
});

test('malformed responses are refused, not guessed at', () => {
  for (const raw of [
    'HTTP/1.1 200 OK\r\n',
    'HTTP/2 200\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{}',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
  ]) {
    assert.throws(
      () => parseHttpResponse(utf8(raw)),
      (e) => isVeritasError(e, 'EXTRACTION_FAILED'),
    );
  }
  assert.throws(
    () => extractFromResponse({ jsonPath: '$.a' }, utf8('HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\n{}')),
    (e) => isVeritasError(e, 'EXTRACTION_FAILED') && e.field === 'status',
  );
});

// A prover that smuggles a second request inside its secret slot (docs/PROTOCOL.md, "Secret slots") gets a second
// response after the first on the same connection: the transcript then holds two, and the value must never be taken
// from a response the spec did not ask for. A framed response is the whole transcript, or it is refused.
test('attack: a second, pipelined response after a framed one is refused (content-length and chunked)', () => {
  const second = 'HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n{"a":999999}';
  for (const raw of [
    `HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{"a":1}${second}`,
    'HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n{"a":1}\r\n',
    `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{"a":1}\r\n0\r\n\r\n${second}`,
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{"a":1}\r\n0\r\n',
  ]) {
    assert.throws(
      () => parseHttpResponse(utf8(raw)),
      (e) => isVeritasError(e, 'EXTRACTION_FAILED') && e.field === 'transcript.recv',
      JSON.stringify(raw),
    );
    assert.throws(() => extractFromResponse({ jsonPath: '$.a' }, utf8(raw)), JSON.stringify(raw));
  }
});
