// Selective disclosure and the verified transcript's canonical shape (no wasm involved).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isVeritasError } from '../../core/errors.ts';
import {
  findAll,
  normalizeRanges,
  planReveal,
  subtractRanges,
  toVerifiedTranscript,
  zeroOutside,
} from '../../operator/tlsn/transcript.ts';

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const text = (b: Uint8Array, ranges: { start: number; end: number }[]) =>
  Buffer.from(zeroOutside(b, ranges)).toString('latin1');

const REQUEST =
  'GET https://api.veritas.test/v1/private HTTP/1.1\r\nhost: api.veritas.test\r\nauthorization: Bearer s3cr3t-token\r\n' +
  'x-api-key:k-123456\r\naccept: application/json\r\n\r\n';
const RESPONSE = 'HTTP/1.1 200 OK\r\ncontent-length: 11\r\n\r\n{"ok":true}';

describe('ranges', () => {
  test('normalizeRanges sorts, drops empty and merges overlapping or touching ranges', () => {
    assert.deepEqual(
      normalizeRanges([
        { start: 10, end: 12 },
        { start: 0, end: 3 },
        { start: 3, end: 5 },
        { start: 7, end: 7 },
        { start: 11, end: 20 },
      ]),
      [
        { start: 0, end: 5 },
        { start: 10, end: 20 },
      ],
    );
  });
  test('subtractRanges cuts holes', () => {
    assert.deepEqual(
      subtractRanges(
        [{ start: 0, end: 10 }],
        [
          { start: 2, end: 4 },
          { start: 8, end: 12 },
        ],
      ),
      [
        { start: 0, end: 2 },
        { start: 4, end: 8 },
      ],
    );
    assert.deepEqual(subtractRanges([{ start: 0, end: 4 }], [{ start: 0, end: 4 }]), []);
  });
  test('zeroOutside keeps only the ranges and the length', () => {
    assert.deepEqual([...zeroOutside(enc('abcdef'), [{ start: 1, end: 3 }])], [0, 98, 99, 0, 0, 0]);
  });
  test('findAll finds overlapping occurrences', () => {
    assert.deepEqual(findAll(enc('aaaa'), enc('aa')), [
      { start: 0, end: 2 },
      { start: 1, end: 3 },
      { start: 2, end: 4 },
    ]);
  });
});

describe('planReveal', () => {
  test('reveals the request line and non-secret headers, hides secret header values, reveals the response', () => {
    const plan = planReveal(enc(REQUEST), enc(RESPONSE), { secretHeaders: ['Authorization', 'X-API-Key'] });
    const shown = text(enc(REQUEST), plan.sent);
    assert.ok(!shown.includes('s3cr3t') && !shown.includes('k-123456'));
    assert.ok(
      shown.startsWith(
        'GET https://api.veritas.test/v1/private HTTP/1.1\r\nhost: api.veritas.test\r\nauthorization: \0',
      ),
    );
    assert.ok(shown.includes('\r\nx-api-key:\0\0\0\0\0\0\0\0\r\naccept: application/json\r\n\r\n'));
    assert.equal(shown.length, REQUEST.length);
    assert.deepEqual(plan.recv, [{ start: 0, end: RESPONSE.length }]);
  });

  test('hides a secret value wherever it appears, including echoed in the response', () => {
    const req = 'GET /echo?t=s3cr3t-token HTTP/1.1\r\nauthorization: Bearer s3cr3t-token\r\n\r\n';
    const res = 'HTTP/1.1 200 OK\r\n\r\n{"auth":"Bearer s3cr3t-token"}';
    const plan = planReveal(enc(req), enc(res), {
      secretHeaders: ['authorization'],
      secretValues: [enc('s3cr3t-token')],
    });
    assert.ok(!text(enc(req), plan.sent).includes('s3cr3t'));
    assert.ok(!text(enc(res), plan.recv).includes('s3cr3t'));
    assert.ok(text(enc(res), plan.recv).includes('{"auth":"Bearer '));
  });

  test('reveals the body unless it is secret', () => {
    const req = 'POST /v1/q HTTP/1.1\r\ncontent-type: application/json\r\n\r\n{"q":"private question"}';
    const open = planReveal(enc(req), enc(RESPONSE), { secretHeaders: [] });
    assert.deepEqual(open.sent, [{ start: 0, end: req.length }]);
    const closed = planReveal(enc(req), enc(RESPONSE), { secretHeaders: [], bodySecret: true });
    assert.deepEqual(closed.sent, [{ start: 0, end: req.indexOf('{') }]);
  });

  test('header names match case-insensitively, and only whole names', () => {
    const req = 'GET / HTTP/1.1\r\nAuthorization-Hint: visible\r\nAUTHORIZATION: Bearer x1234\r\n\r\n';
    const shown = text(enc(req), planReveal(enc(req), enc(RESPONSE), { secretHeaders: ['authorization'] }).sent);
    assert.ok(shown.includes('Authorization-Hint: visible') && !shown.includes('x1234'));
  });

  test('fails closed on a request it cannot parse', () => {
    assert.throws(
      () => planReveal(enc('GET / HTTP/1.1\r\nbroken'), enc(RESPONSE), { secretHeaders: [] }),
      (e) => isVeritasError(e, 'TLSN_FAILED'),
    );
    assert.throws(
      () => planReveal(enc('GET / HTTP/1.1\r\nno colon here\r\n\r\n'), enc(RESPONSE), { secretHeaders: [] }),
      (e) => isVeritasError(e, 'TLSN_FAILED'),
    );
  });
});

describe('toVerifiedTranscript', () => {
  test('zeroes bytes outside the authenticated ranges and normalizes the ranges', () => {
    const v = toVerifiedTranscript({
      server_name: 'api.veritas.test',
      connection_info: { time: 1_750_000_000 },
      transcript: {
        sent: [...enc('abcdef')],
        sent_authed: [
          { start: 4, end: 6 },
          { start: 0, end: 2 },
          { start: 1, end: 2 },
        ],
        recv: [...enc('xyz')],
        recv_authed: [{ start: 0, end: 3 }],
      },
    });
    assert.deepEqual(v, {
      serverName: 'api.veritas.test',
      tlsTime: 1_750_000_000,
      sent: new Uint8Array([97, 98, 0, 0, 101, 102]),
      recv: new Uint8Array([120, 121, 122]),
      sentRanges: [
        { start: 0, end: 2 },
        { start: 4, end: 6 },
      ],
      recvRanges: [{ start: 0, end: 3 }],
    });
  });

  test('refuses an output without server identity or transcript', () => {
    assert.throws(
      () => toVerifiedTranscript({ server_name: undefined, connection_info: { time: 1 }, transcript: undefined }),
      (e) => isVeritasError(e, 'TLSN_FAILED'),
    );
    assert.throws(
      () => toVerifiedTranscript({ server_name: 'a', connection_info: { time: 1 }, transcript: undefined }),
      (e) => isVeritasError(e, 'TLSN_FAILED'),
    );
  });
});
