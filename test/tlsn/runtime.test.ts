// Runtime pieces without MPC: the session limiter, failure classification, devnet trust anchor and fixture site.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isVeritasError } from '../../core/errors.ts';
import { createDevTrust, derContent, replaceOnce, type DevTrust } from '../../operator/tlsn/dev-trust.ts';
import { classifyFailure } from '../../operator/tlsn/failure.ts';
import { createLimiter } from '../../operator/tlsn/limiter.ts';
import { defaultWasmPath } from '../../operator/tlsn/wasm.ts';
import { datasetRecord, sizedBody, type FixtureSite } from '../../cli/devnet-site.ts';
import { startTestSite, type TestSite } from '../support/site.ts';

describe('session limiter', () => {
  test('caps concurrency and hands slots over in order', async () => {
    const limiter = createLimiter(2);
    const r1 = await limiter.acquire();
    const r2 = await limiter.acquire();
    const order: number[] = [];
    const third = limiter.acquire().then((r) => {
      order.push(3);
      return r;
    });
    const fourth = limiter.acquire().then((r) => {
      order.push(4);
      return r;
    });
    assert.deepEqual([limiter.active, limiter.waiting], [2, 2]);
    r1();
    r1(); // idempotent
    const r3 = await third;
    assert.deepEqual([limiter.active, limiter.waiting, order], [2, 1, [3]]);
    r2();
    (await fourth)();
    r3();
    assert.deepEqual([limiter.active, limiter.waiting, order], [0, 0, [3, 4]]);
  });

  test('a waiter gives up with TIMEOUT on timeout or abort, and leaves the queue', async () => {
    const limiter = createLimiter(1);
    const release = await limiter.acquire();
    await assert.rejects(limiter.acquire({ timeoutMs: 5 }), (e) => isVeritasError(e, 'TIMEOUT'));
    const ac = new AbortController();
    const aborted = limiter.acquire({ signal: ac.signal });
    ac.abort();
    await assert.rejects(aborted, (e) => isVeritasError(e, 'TIMEOUT'));
    assert.equal(limiter.waiting, 0);
    release();
    assert.equal(limiter.active, 0);
    assert.throws(
      () => createLimiter(0),
      (e) => isVeritasError(e, 'CONFIG_INVALID'),
    );
  });
});

describe('failure classification (strings seen from tlsn-wasm alpha.12)', () => {
  const cases: Array<[string, string]> = [
    [
      'prover error: io error caused by: core error: invalid peer certificate contents: invalid peer certificate: UnknownIssuer',
      'CERTIFICATE_REJECTED',
    ],
    ['verifier error: invalid server certificate', 'CERTIFICATE_REJECTED'],
    [
      'prover error: io error caused by: backend error: internal error: "record layer error: attempted to receive more data than was configured, increase `max_recv` in the config: current=16, additional=2154, max=1056"',
      'RESPONSE_TOO_LARGE',
    ],
    ['verifier error: mpc error caused by: I/O error: unexpected end of file', 'PEER_DISCONNECTED'],
    ['something nobody anticipated', 'TLSN_FAILED'],
  ];
  for (const [message, code] of cases) {
    test(`${code} ← ${message.slice(0, 60)}`, () => assert.equal(classifyFailure('prover', message).code, code));
  }
  test('a proxy close reason beats the wasm string; a code from the party is kept', () => {
    assert.equal(
      classifyFailure('prover', 'websocket closed', [
        { url: 'ws://p', code: 4502, reason: 'SERVER_UNREACHABLE: x', wasOpen: true },
      ]).code,
      'SERVER_UNREACHABLE',
    );
    assert.equal(classifyFailure('prover', 'x', [], 'TLSN_FAILED').code, 'TLSN_FAILED');
  });
});

describe('devnet trust anchor and fixture site', () => {
  let dir: string;
  let source: TestSite | undefined;
  let trust: DevTrust;
  let site: FixtureSite;
  const token = 'fixture-token-123';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'veritas-devtrust-'));
    source = await startTestSite({ token, seed: 7 });
    ({ trust, site } = source);
  });
  after(async () => {
    await source?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test("the CA carries exactly the built-in root's subject DN and signs a *.veritas.test leaf", () => {
    const ca = new X509Certificate(trust.caCertPem);
    const leaf = new X509Certificate(trust.leafCertPem);
    assert.equal(ca.subject, 'C=US\nO=Amazon\nCN=Amazon Root CA 3');
    assert.ok(ca.ca);
    assert.ok(leaf.verify(ca.publicKey));
    assert.ok(leaf.checkIssued(ca));
    assert.equal(leaf.checkHost('api.veritas.test'), '*.veritas.test');
    assert.equal(leaf.checkHost('veritas.test'), 'veritas.test');
    assert.equal(leaf.checkHost('evil.example'), undefined);
  });

  test('the patched wasm differs from the package only in the root public key (64-byte EC point)', async () => {
    const [orig, patched] = await Promise.all([readFile(defaultWasmPath()), readFile(trust.wasmPath)]);
    assert.equal(patched.length, orig.length);
    let first = -1;
    let count = 0;
    for (let i = 0; i < orig.length; i++)
      if (orig[i] !== patched[i]) {
        if (first < 0) first = i;
        count++;
      }
    assert.ok(count > 0 && count <= 64);
    const caPoint = new X509Certificate(trust.caCertPem).publicKey
      .export({ format: 'der', type: 'spki' })
      .subarray(-64);
    const at = patched.indexOf(caPoint);
    assert.ok(at >= 0 && first >= at && first < at + 64);
  });

  test('two runs generate different keys', async () => {
    const other = await createDevTrust({ dataDir: path.join(dir, 'second') });
    assert.notEqual(other.leafKeyPem, trust.leafKeyPem);
    assert.notEqual(other.caCertPem, trust.caCertPem);
  });

  test('replaceOnce refuses zero or several occurrences and a length change', () => {
    const data = new Uint8Array([1, 2, 3, 1, 2, 3, 9]);
    assert.throws(() => replaceOnce(data, new Uint8Array([1, 2, 3]), new Uint8Array([4, 5, 6]), 'x'), /more than once/);
    assert.throws(() => replaceOnce(data, new Uint8Array([7, 7]), new Uint8Array([4, 5]), 'x'), /nowhere/);
    assert.throws(() => replaceOnce(data, new Uint8Array([9]), new Uint8Array([4, 5]), 'x'), /length/);
    replaceOnce(data, new Uint8Array([3, 9]), new Uint8Array([4, 5]), 'x');
    assert.deepEqual([...data], [1, 2, 3, 1, 2, 4, 5]);
    assert.deepEqual([...derContent(new Uint8Array([0x30, 0x03, 1, 2, 3]))], [1, 2, 3]);
  });

  test('createDevTrust refuses a wasm without the root', async () => {
    const fake = path.join(dir, 'fake.wasm');
    await writeFile(fake, new Uint8Array(1024));
    await assert.rejects(createDevTrust({ dataDir: path.join(dir, 'x'), sourceWasmPath: fake }), /nowhere/);
  });

  const get = (p: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = https.get(
        { host: '127.0.0.1', port: site.port, path: p, servername: 'api.veritas.test', ca: trust.caCertPem, headers },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
    });

  test('the fixture site serves deterministic records, jittered prices, sized bodies, and a guarded resource', async () => {
    const a = await get('/v1/dataset/alpha');
    assert.equal(a.status, 200);
    assert.deepEqual(JSON.parse(a.body), datasetRecord('alpha'));
    assert.equal((await get('/v1/dataset/alpha')).body, a.body);

    const prices = await Promise.all(
      [1, 2, 3].map(() => get('/v1/price').then((r) => JSON.parse(r.body).price as number)),
    );
    for (const p of prices) assert.ok(Math.abs(p - 64_000) <= 64_000 * 0.005 + 0.01, String(p));
    assert.ok(new Set(prices).size > 1, 'prices jitter');

    const sized = await get('/v1/bytes?size=1000');
    assert.equal(Buffer.byteLength(sized.body), 1000);
    assert.equal(JSON.parse(sized.body).size, 1000);
    assert.equal(sizedBody(16384).length, 16384);
    assert.equal((await get('/v1/bytes?size=-1')).status, 400);

    assert.equal((await get('/v1/private')).status, 401);
    assert.equal((await get('/v1/private', { authorization: 'Bearer wrong' })).status, 401);
    const ok = await get('/v1/private', { authorization: `Bearer ${token}` });
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.body).account, 'acct-42');
    assert.equal((await get('/nope')).status, 404);
  });
});
