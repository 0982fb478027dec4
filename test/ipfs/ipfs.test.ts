// IPFS node tests: persistence across a restart, canonical JSON, pinning, CAR round trip and tamper check,
// missing-CID errors, and two loopback-only nodes exchanging blocks over bitswap.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { canonicalJson } from '../../core/canonical.ts';
import { isVeritasError } from '../../core/errors.ts';
import { createIpfs, type IpfsNode } from '../../core/ipfs.ts';

const log = pino({ level: 'silent' });
const MiB = 1024 * 1024;
// A CID that no test ever adds (the sha256 of "hello world\n" under raw codec would do; this is arbitrary).
const ABSENT = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';

const patterned = (size: number, seed = 0): Uint8Array => {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) % 251;
  return bytes;
};
const ms = (start: number) => `${(performance.now() - start).toFixed(1)} ms`;

describe('ipfs', () => {
  let root: string;
  const running = new Set<IpfsNode>();
  const start = async (dir: string, network: 'none' | 'loopback') => {
    const node = await createIpfs({ dir: join(root, dir), network, log });
    running.add(node);
    return node;
  };
  const stop = async (node: IpfsNode) => {
    await node.stop();
    running.delete(node);
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'veritas-ipfs-'));
  });
  after(async () => {
    await Promise.all([...running].map((n) => n.stop()));
    await rm(root, { recursive: true, force: true });
  });

  it('keeps added content, pins and the peer id across a restart', async (t) => {
    let node = await start('persist', 'loopback');
    const peerId = node.peerId;
    const bytes = patterned(MiB);
    let begin = performance.now();
    const cid = await node.addBytes(bytes);
    t.diagnostic(`addBytes 1 MiB (with pin): ${ms(begin)}`);
    const jsonCid = await node.addJson({ price: 101.5, symbol: 'ETH' });
    await stop(node);

    node = await start('persist', 'loopback');
    assert.equal(node.peerId, peerId, 'the peer key is kept in the datastore');
    begin = performance.now();
    const back = await node.getBytes(cid);
    t.diagnostic(`getBytes 1 MiB from disk: ${ms(begin)}`);
    assert.deepEqual(back, bytes);
    assert.deepEqual(await node.getJson(jsonCid), { price: 101.5, symbol: 'ETH' });
    assert.equal(await node.isPinned(cid), true);
    assert.equal(await node.has(cid), true);
    assert.equal(await node.has(ABSENT), false);
    await stop(node);
  });

  it('stores JSON as canonical bytes: equal values, equal CIDs', async () => {
    const node = await start('json', 'none');
    const a = await node.addJson({ b: [1, 2, { y: 'é', x: null }], a: 1e21 });
    const b = await node.addJson({ a: 1e21, b: [1, 2, { x: null, y: 'é' }] });
    assert.equal(a, b);
    assert.equal(
      new TextDecoder().decode(await node.getBytes(a)),
      canonicalJson({ a: 1e21, b: [1, 2, { x: null, y: 'é' }] }),
    );
    assert.match(a, /^bafkrei/, 'small content is one raw block: its CID is the sha256 of the canonical bytes');
    await assert.rejects(node.addJson({ bad: Number.NaN }), (e) => isVeritasError(e, 'INPUT_INVALID'));
    const notJson = await node.addBytes(new Uint8Array([0xff, 0xfe]));
    await assert.rejects(node.getJson(notJson), (e) => isVeritasError(e, 'INPUT_INVALID'));
    await stop(node);
  });

  it('pins on request, idempotently', async () => {
    const node = await start('pins', 'none');
    const cid = await node.addBytes(patterned(2 * MiB + 17, 3), { pin: false });
    assert.equal(await node.isPinned(cid), false);
    await node.pin(cid);
    await node.pin(cid);
    assert.equal(await node.isPinned(cid), true);
    await stop(node);
  });

  it('exports a CAR and imports it into another node; a tampered CAR is refused', async (t) => {
    const source = await start('car-source', 'none');
    const target = await start('car-target', 'none');
    const bytes = patterned(3 * MiB + 5, 7); // several chunks: a dag-pb root over raw leaves
    const cid = await source.addBytes(bytes);
    let begin = performance.now();
    const carBytes = await source.exportCar(cid);
    t.diagnostic(`exportCar 3 MiB: ${ms(begin)}`);
    assert.ok(carBytes.byteLength > bytes.byteLength);

    const tampered = carBytes.slice();
    tampered[tampered.byteLength - 10]! ^= 0xff; // a byte inside the last block's data
    await assert.rejects(target.importCar(tampered), (e) => isVeritasError(e, 'INPUT_INVALID'));
    assert.equal(await target.has(cid), false, 'nothing of a refused CAR is kept');
    await assert.rejects(target.importCar(new Uint8Array([1, 2, 3])), (e) => isVeritasError(e, 'INPUT_INVALID'));

    begin = performance.now();
    assert.deepEqual(await target.importCar(carBytes), [cid]);
    t.diagnostic(`importCar 3 MiB (verify + pin): ${ms(begin)}`);
    assert.equal(await target.isPinned(cid), true);
    assert.deepEqual(await target.getBytes(cid), bytes);
    await Promise.all([stop(source), stop(target)]);
  });

  it('fails on a missing or malformed CID instead of hanging', async () => {
    const node = await start('missing', 'none');
    await assert.rejects(node.getBytes(ABSENT), (e) => isVeritasError(e, 'NOT_FOUND'));
    await assert.rejects(node.pin(ABSENT), (e) => isVeritasError(e, 'NOT_FOUND'));
    await assert.rejects(node.exportCar(ABSENT), (e) => isVeritasError(e, 'NOT_FOUND'));
    await assert.rejects(node.getBytes('not-a-cid'), (e) => isVeritasError(e, 'INPUT_INVALID') && e.field === 'cid');
    await assert.rejects(node.dial('/ip4/127.0.0.1/tcp/1'), (e) => isVeritasError(e, 'IPFS_ERROR'));
    const big = await node.addBytes(patterned(MiB));
    await assert.rejects(node.getBytes(big, { maxBytes: 1000 }), (e) => isVeritasError(e, 'IPFS_ERROR'));
    assert.deepEqual(node.multiaddrs, []);
    assert.equal(node.peerId, undefined);
    await stop(node);
  });

  it('refuses a second node on the same directory', async () => {
    const node = await start('twice', 'none');
    await assert.rejects(createIpfs({ dir: join(root, 'twice'), network: 'none', log }), (e) =>
      isVeritasError(e, 'IPFS_ERROR'),
    );
    await stop(node);
  });

  describe('two loopback nodes', () => {
    let a: IpfsNode;
    let b: IpfsNode;
    before(async () => {
      a = await start('loop-a', 'loopback');
      b = await start('loop-b', 'loopback');
    });

    it('listen on 127.0.0.1 only', () => {
      for (const node of [a, b]) {
        assert.ok(node.multiaddrs.length > 0);
        for (const address of node.multiaddrs)
          assert.match(address, new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${node.peerId}$`));
      }
    });

    it('a missing CID times out with IPFS_ERROR when no connected peer has it', async () => {
      await assert.rejects(
        b.getBytes(ABSENT, { timeoutMs: 300 }),
        (e) => isVeritasError(e, 'IPFS_ERROR') && e.retryable,
      );
    });

    it('node B fetches what node A added, after dialling it (bitswap)', async (t) => {
      const bytes = patterned(2 * MiB + 3, 11);
      const cid = await a.addBytes(bytes);
      const jsonCid = await a.addJson({ bundle: 'provenance', n: 1 });
      assert.equal(await b.dial(a.multiaddrs[0]!), a.peerId);
      const begin = performance.now();
      assert.deepEqual(await b.getBytes(cid, { timeoutMs: 20_000 }), bytes);
      t.diagnostic(`getBytes 2 MiB from a loopback peer: ${ms(begin)}`);
      assert.deepEqual(await b.getJson(jsonCid, { timeoutMs: 20_000 }), { bundle: 'provenance', n: 1 });
      await b.pin(cid);
      assert.equal(await b.isPinned(cid), true);
    });

    it('refuses to dial anything but loopback', async () => {
      // a documentation address (RFC 5737): refused by the connection gater before any packet is sent
      await assert.rejects(b.dial('/ip4/192.0.2.1/tcp/4001'), (e) => isVeritasError(e, 'IPFS_ERROR'));
      await assert.rejects(b.dial('/ip4/127.0.0.1/tcp/notaport'), (e) => isVeritasError(e, 'INPUT_INVALID'));
    });
  });
});
