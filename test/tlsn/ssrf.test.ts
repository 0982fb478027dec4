// SSRF policy and the proxy that enforces it: the corpus is refused before any byte reaches anything.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { isVeritasError, VeritasError } from '../../core/errors.ts';
import { checkTarget, checkUrl, forbiddenReason, type Resolver } from '../../core/ssrf.ts';
import { classifyFailure } from '../../operator/tlsn/failure.ts';
import { proxyUrl, startProxy, type ProxyConnectionStats, type StandaloneProxy } from '../../operator/tlsn/proxy.ts';

const CORPUS = [
  '127.0.0.1',
  '::1',
  '10.0.0.1',
  '172.16.0.1',
  '192.168.1.1',
  '169.254.169.254',
  '100.64.0.1',
  '0.0.0.0',
  '::ffff:127.0.0.1',
];

// Tests must not depend on real DNS, and no public name reliably resolves to a private address: an injected
// resolver plays the hostile DNS server (the same seam a rebinding attacker uses, answered deterministically).
const fakeDns: Record<string, string[]> = {
  'internal.evil.example': ['10.1.2.3'],
  'mixed.evil.example': ['93.184.215.14', '192.168.0.10'],
  'public.example': ['93.184.215.14'],
  'v6.example': ['2606:4700::1111'],
};
const resolve: Resolver = async (name) => {
  const addrs = fakeDns[name];
  if (!addrs) throw new Error(`ENOTFOUND ${name}`);
  return addrs.map((address) => ({ address, family: net.isIP(address) === 6 ? 6 : 4 }));
};

describe('SSRF policy', () => {
  test('every address of the corpus is forbidden', () => {
    for (const ip of CORPUS) assert.ok(forbiddenReason(ip), ip);
  });

  test('more forbidden forms: documentation, multicast, broadcast, ULA, link-local v6, NAT64, 6to4, mapped hex', () => {
    for (const ip of [
      '192.0.2.1',
      '198.51.100.7',
      '203.0.113.9',
      '224.0.0.1',
      '255.255.255.255',
      '198.18.0.1',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'ff02::1',
      '::',
      '64:ff9b::7f00:1',
      '2002:7f00:1::1',
      '2001:db8::1',
      '::ffff:7f00:1',
      '0:0:0:0:0:ffff:a00:1',
      '::127.0.0.1',
    ]) {
      assert.ok(forbiddenReason(ip), ip);
    }
  });

  test('public unicast addresses pass', () => {
    for (const ip of ['93.184.215.14', '1.1.1.1', '8.8.8.8', '2606:4700::1111', '2a00:1450:4001:82b::200e']) {
      assert.equal(forbiddenReason(ip), null, ip);
    }
  });

  test('a name resolving to a private address is refused, as is one with any private address', async () => {
    await assert.rejects(checkTarget('internal.evil.example', 443, { resolve }), (e) =>
      isVeritasError(e, 'SSRF_REFUSED'),
    );
    await assert.rejects(checkTarget('mixed.evil.example', 443, { resolve }), (e) => isVeritasError(e, 'SSRF_REFUSED'));
  });

  test('the checked address is the one to connect to (no second resolution)', async () => {
    let calls = 0;
    const rebinding: Resolver = async () =>
      calls++ === 0 ? [{ address: '93.184.215.14', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
    const t = await checkTarget('public.example', 443, { resolve: rebinding });
    assert.deepEqual([t.connectHost, t.connectPort, t.allowListed, calls], ['93.184.215.14', 443, false, 1]);
    assert.equal((await checkTarget('v6.example', 443, { resolve })).connectHost, '2606:4700::1111');
  });

  test('ports other than the allowed ones and malformed names are refused; unknown names are unreachable', async () => {
    await assert.rejects(checkTarget('public.example', 22, { resolve }), (e) => isVeritasError(e, 'SSRF_REFUSED'));
    await assert.rejects(checkTarget('bad_name!', 443, { resolve }), (e) => isVeritasError(e, 'SSRF_REFUSED'));
    await assert.rejects(checkTarget('nowhere.example', 443, { resolve }), (e) =>
      isVeritasError(e, 'SERVER_UNREACHABLE'),
    );
  });

  test('the allow-list is an explicit exception mapping a name to an address', async () => {
    const t = await checkTarget('api.veritas.test', 443, {
      allowList: { 'api.veritas.test': '127.0.0.1:4443' },
      resolve,
    });
    assert.deepEqual([t.connectHost, t.connectPort, t.allowListed], ['127.0.0.1', 4443, true]);
    await assert.rejects(
      checkTarget('other.veritas.test', 443, { allowList: { 'api.veritas.test': '127.0.0.1:4443' }, resolve }),
      (e) => isVeritasError(e, 'SERVER_UNREACHABLE'),
    );
  });

  test('checkUrl: https only, no credentials, bracketed IPv6 literals checked', async () => {
    await assert.rejects(checkUrl('http://public.example/', { resolve }), (e) => isVeritasError(e, 'SSRF_REFUSED'));
    await assert.rejects(checkUrl('https://user:pw@public.example/', { resolve }), (e) =>
      isVeritasError(e, 'SSRF_REFUSED'),
    );
    await assert.rejects(checkUrl('https://[::ffff:127.0.0.1]/', { resolve }), (e) =>
      isVeritasError(e, 'SSRF_REFUSED'),
    );
    await assert.rejects(checkUrl('https://[::1]/', { resolve }), (e) => isVeritasError(e, 'SSRF_REFUSED'));
    assert.equal((await checkUrl('https://public.example/v1?x=1', { resolve })).connectHost, '93.184.215.14');
  });
});

describe('proxy refuses the corpus before any byte is sent', () => {
  let target: net.Server;
  let targetPort: number;
  let accepted = 0;
  let proxy: StandaloneProxy;
  const closed: ProxyConnectionStats[] = [];

  before(async () => {
    // A listener on loopback that would see any connection the proxy let through (0.0.0.0, ::1 and mapped
    // forms all reach it on Linux); its port is allowed so only the address can cause a refusal.
    target = net.createServer((s) => {
      accepted++;
      s.destroy();
    });
    await new Promise<void>((r) => target.listen(0, '::', r));
    targetPort = (target.address() as net.AddressInfo).port;
    proxy = await startProxy({
      policy: { allowedPorts: [targetPort], resolve },
      onConnectionClosed: (s) => closed.push(s),
    });
  });
  after(async () => {
    await proxy.close();
    await new Promise<void>((r) => target.close(() => r()));
  });

  /** Opens the proxy for a target the way the wasm does, sends a would-be ClientHello, returns the close event. */
  const attempt = (host: string) =>
    new Promise<{ code: number; reason: string }>((resolve, reject) => {
      const hostPort = net.isIP(host) === 6 ? `[${host}]` : host;
      const ws = new WebSocket(`${proxy.url}?target=${encodeURIComponent(`${hostPort}:${targetPort}`)}`);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => ws.send(new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]));
      ws.onclose = (e) => resolve({ code: e.code, reason: e.reason });
      ws.onerror = () => {};
      setTimeout(() => reject(new Error('no close')), 10_000).unref();
    });

  for (const host of [...CORPUS, 'internal.evil.example']) {
    test(`refuses ${host}`, async () => {
      const before = closed.length;
      const { code, reason } = await attempt(host);
      assert.equal(code, 4403);
      assert.match(reason, /^SSRF_REFUSED: /);
      const stats = closed[before];
      assert.ok(stats);
      assert.equal(stats.toServer, 0);
      assert.equal(stats.connectedTo, undefined);
      assert.equal(stats.refused?.code, 'SSRF_REFUSED');
      assert.equal(accepted, 0, 'the target saw no connection');
    });
  }

  test('the proxy URL helper and the party-side classification agree on the refusal', () => {
    assert.equal(
      proxyUrl('ws://127.0.0.1:1/proxy', 'api.veritas.test'),
      'ws://127.0.0.1:1/proxy?target=api.veritas.test%3A443',
    );
    const e = classifyFailure('prover', 'prover error: io error caused by: websocket closed', [
      {
        url: 'ws://x/proxy?target=a',
        code: 4403,
        reason: 'SSRF_REFUSED: refused to connect to "a": loopback',
        wasOpen: true,
      },
    ]);
    assert.ok(e instanceof VeritasError && e.code === 'SSRF_REFUSED' && !e.retryable);
  });
});
