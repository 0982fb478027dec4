// Real MPC-TLS sessions against the fixture site: disclosure, transcript shape, and the typed failures.
//
// A 1 KB session takes ~12 s on a 2-core CI machine, so this file runs exactly three: one shared successful
// session carrying most assertions, one with the unpatched wasm, one whose response exceeds max_recv.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isVeritasError } from '../../core/errors.ts';
import { zeroOutside, type Range } from '../../operator/tlsn/transcript.ts';
import { privateStatement } from '../../cli/devnet-site.ts';
import {
  FIXTURE_HOST,
  runSession,
  startTlsnHarness,
  type SessionRun,
  type TlsnHarness,
} from '../fixture/tlsn-harness.ts';

const isSortedMerged = (ranges: Range[]) =>
  ranges.every((r, i) => r.start < r.end && (i === 0 || (ranges[i - 1] as Range).end < r.start));
const contains = (hay: Uint8Array, needle: string) => Buffer.from(hay).includes(Buffer.from(needle));

describe('MPC-TLS session against the fixture site', () => {
  let h: TlsnHarness;
  let run: SessionRun;
  let startedAt: number;
  let finishedAt: number;

  before(async () => {
    h = await startTlsnHarness();
    startedAt = Math.floor(Date.now() / 1000);
    run = await runSession(h, {
      request: {
        method: 'GET',
        path: '/v1/private',
        headers: [
          { name: 'Authorization', value: `Bearer ${h.token}`, secret: true },
          { name: 'Accept', value: 'application/json' },
        ],
      },
      limits: { maxSentBytes: 512, maxRecvBytes: 2048 },
      proverWasm: h.trust.wasmPath,
      verifierWasm: h.trust.wasmPath,
    });
    finishedAt = Math.ceil(Date.now() / 1000);
  });
  after(() => h?.close());

  test('both parties succeed and the prover got the private resource', () => {
    assert.equal(run.proverError, undefined);
    assert.equal(run.verifierError, undefined);
    assert.equal(run.proof?.status, 200);
  });

  test('the verifier holds the response body and the server name', () => {
    const v = run.verified;
    assert.ok(v);
    assert.equal(v.serverName, FIXTURE_HOST);
    assert.ok(v.tlsTime >= startedAt - 1 && v.tlsTime <= finishedAt + 1, `tlsTime ${v.tlsTime} within the run`);
    const text = Buffer.from(v.recv).toString('utf8');
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    const body = text.slice(text.indexOf('\r\n\r\n') + 4);
    assert.deepEqual(JSON.parse(body), privateStatement());
    // The whole response is revealed by default: the verifier saw exactly what the prover received.
    assert.deepEqual(v.recvRanges, [{ start: 0, end: v.recv.length }]);
    assert.deepEqual(Buffer.from(v.recv), Buffer.from(run.proof?.recv ?? []));
  });

  test("the Authorization header's value appears nowhere in the verifier's output", () => {
    const v = run.verified;
    assert.ok(v && run.proof);
    assert.ok(contains(run.proof.sent, h.token), 'the prover did send the token');
    assert.ok(!contains(v.sent, h.token));
    assert.ok(!contains(v.recv, h.token));
    const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
    assert.ok(!JSON.stringify({ ...v, sent: latin1(v.sent), recv: latin1(v.recv) }).includes(h.token));
    // The header's name stays visible, its value is zeroed up to the line end, the rest of the request is intact.
    const sent = Buffer.from(v.sent).toString('latin1');
    assert.match(sent, /^GET https:\/\/api\.veritas\.test\/v1\/private HTTP\/1\.1\r\n/);
    assert.match(sent, /\r\nauthorization: \0+\r\n/i);
    assert.match(sent, /\r\naccept: application\/json\r\n/i);
    assert.match(sent, /\r\nhost: api\.veritas\.test\r\n/i);
  });

  test('the verified transcript has the canonical shape: sorted merged ranges, zero outside them', () => {
    const v = run.verified;
    assert.ok(v && run.proof);
    assert.deepEqual(Object.keys(v).sort(), ['recv', 'recvRanges', 'sent', 'sentRanges', 'serverName', 'tlsTime']);
    assert.ok(v.sent instanceof Uint8Array && v.recv instanceof Uint8Array);
    assert.equal(v.sent.length, run.proof.sent.length);
    assert.ok(isSortedMerged(v.sentRanges) && isSortedMerged(v.recvRanges));
    assert.deepEqual(v.sentRanges, run.proof.sentRevealed);
    assert.deepEqual(v.recvRanges, run.proof.recvRevealed);
    assert.deepEqual(Buffer.from(v.sent), Buffer.from(zeroOutside(run.proof.sent, v.sentRanges)));
    assert.equal(v.sentRanges.length, 2, 'one hole: the secret value');
  });

  test('bytes were relayed both ways and the proxy used the allow-listed address', () => {
    assert.ok(run.room);
    assert.ok(run.room.bytes.prover > 1_000_000 && run.room.bytes.verifier > 100_000);
    assert.equal(h.proxyLog.length, 1);
    assert.equal(h.proxyLog[0]?.connectedTo, `127.0.0.1:${h.site.port}`);
  });

  test('the same request with the unpatched wasm fails with CERTIFICATE_REJECTED', async () => {
    const r = await runSession(h, {
      request: { method: 'GET', path: '/v1/dataset/abc', headers: [] },
      limits: { maxSentBytes: 512, maxRecvBytes: 2048 },
    });
    assert.ok(isVeritasError(r.proverError, 'CERTIFICATE_REJECTED'), String(r.proverError));
    assert.ok(isVeritasError(r.error, 'CERTIFICATE_REJECTED'));
    assert.match((r.proverError as Error).message, /UnknownIssuer/);
    assert.ok(isVeritasError(r.verifierError, 'PEER_DISCONNECTED'), String(r.verifierError));
    assert.equal(r.verified, undefined);
  });

  test('a response over max_recv fails with RESPONSE_TOO_LARGE', async () => {
    const r = await runSession(h, {
      request: { method: 'GET', path: '/v1/bytes?size=4096', headers: [] },
      limits: { maxSentBytes: 512, maxRecvBytes: 1024 },
      proverWasm: h.trust.wasmPath,
      verifierWasm: h.trust.wasmPath,
    });
    // Either party may notice first (the other then sees the connection drop): the session's cause is the limit.
    assert.ok(
      isVeritasError(r.error, 'RESPONSE_TOO_LARGE'),
      `prover: ${String(r.proverError)}; verifier: ${String(r.verifierError)}`,
    );
    assert.ok(r.proverError && r.verifierError, 'both parties fail');
    assert.equal(r.verified, undefined);
  });
});
