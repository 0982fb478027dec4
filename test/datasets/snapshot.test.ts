// Snapshots: deterministic bytes and CIDs, a CAR that re-imports into a fresh Helia node with identical CIDs, a
// declared licence never replaced by an invented one, flat typed columns, and edited records refused.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createIpfs, type IpfsNode } from '../../core/ipfs.ts';
import { pino } from 'pino';
import { buildSnapshot, SNAPSHOT_PATHS, type Snapshot } from '../../core/dataset/snapshot.ts';
import { pinSnapshot, snapshotCar } from '../../core/dataset/pin.ts';
import { accumulatorRoot, roundLeaf, verifyAccumulatorProof } from '../../core/dataset/accumulator.ts';
import { verifyRecordProof } from '../../core/merkle.ts';
import { isVeritasError } from '../../core/errors.ts';
import { objectDataset, priceFeed, roundValueHash } from './fixture.ts';

const log = pino({ level: 'silent' });
const text = (s: Snapshot, path: string): string =>
  new TextDecoder().decode(s.files.find((f) => f.path === path)!.bytes);

let dir: string;
const nodes: IpfsNode[] = [];
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veritas-datasets-'));
});
after(async () => {
  for (const n of nodes) await n.stop();
  await rm(dir, { recursive: true, force: true });
});
const node = async (name: string) => {
  const n = await createIpfs({ dir: join(dir, name), network: 'none', log });
  nodes.push(n);
  return n;
};

describe('snapshot builder', () => {
  it('writes the five files, byte-identical from the same input', () => {
    const a = buildSnapshot(priceFeed(3));
    const b = buildSnapshot(priceFeed(3));
    assert.deepEqual(
      a.files.map((f) => f.path),
      ['README.md', 'croissant.json', 'data/records.parquet', 'data/records.jsonl', 'proofs.jsonl'],
    );
    for (const [i, f] of a.files.entries())
      assert.ok(Buffer.from(f.bytes).equals(Buffer.from(b.files[i]!.bytes)), f.path);
    assert.equal(a.recordCount, 3);
  });

  it('pins one IPFS directory whose CAR re-imports into a fresh node with identical CIDs', async () => {
    const snapshot = buildSnapshot(priceFeed(3));
    const first = await node('first');
    const cid = await pinSnapshot(first, snapshot);
    assert.equal(await pinSnapshot(first, buildSnapshot(priceFeed(3))), cid, 'same input, same CID');
    const car = await snapshotCar(first, cid);
    const fresh = await node('fresh');
    assert.deepEqual(await fresh.importCar(car), [cid]);
    assert.equal(await fresh.isPinned(cid), true);
    for (const f of snapshot.files) {
      // each file's own CID (same UnixFS options as the directory's entries) came over in the CAR, byte for byte
      const fileCid = await first.addBytes(f.bytes, { pin: false });
      assert.equal(await fresh.has(fileCid), true, f.path);
      assert.ok(Buffer.from(await fresh.getBytes(fileCid)).equals(Buffer.from(f.bytes)), f.path);
    }
    // the fresh node rebuilds the same directory from the same files: same CID, already on its disk
    assert.equal(await pinSnapshot(fresh, snapshot), cid);
    assert.deepEqual(await fresh.exportCar(cid), car);
  });

  it('states the declared licence, and an undeclared one as unspecified: never CC0', () => {
    const declared = buildSnapshot(priceFeed(1, 'CC-BY-4.0'));
    assert.equal(declared.croissant.license, 'https://spdx.org/licenses/CC-BY-4.0.html');
    assert.match(text(declared, SNAPSHOT_PATHS.card), /^---\nlicense: "cc-by-4.0"\n/);
    const none = buildSnapshot(priceFeed(1));
    const lic = none.croissant.license as { name: string; description: string };
    assert.equal(lic.name, 'unspecified');
    assert.match(lic.description, /No licence was declared/);
    const card = text(none, SNAPSHOT_PATHS.card);
    assert.match(card, /^---\nlicense: "other"\nlicense_name: "unspecified"\n/);
    for (const s of [declared, none]) {
      assert.doesNotMatch(JSON.stringify(s.croissant), /CC0/i);
      assert.doesNotMatch(text(s, SNAPSHOT_PATHS.card), /CC0/i);
    }
  });

  it('writes flat rows: object keys as typed columns, provenance beside them, a colliding key prefixed', () => {
    const s = buildSnapshot(objectDataset());
    const rows = text(s, SNAPSHOT_PATHS.jsonl)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(rows.length, 3);
    assert.deepEqual(Object.keys(rows[0]), [
      'at',
      'count',
      'ok',
      'station',
      'tags',
      'temp',
      'value_url',
      'url',
      'source_host',
      'fetched_at',
      'round',
      'request_id',
      'record_index',
      'record_hash',
      'bundle_cids',
    ]);
    assert.deepEqual(rows[0].tags, '["x"]', 'a nested value is JSON text in a text column');
    assert.equal(rows[0].value_url, null, 'a key missing from a record is null');
    assert.equal(rows[2].value_url, 'x');
    assert.equal(rows[0].url, 'https://weather.fixture.test/v1/obs');
    assert.equal(rows[0].fetched_at, '2026-01-01T00:00:00.000Z');
    assert.equal(rows[0].bundle_cids.split(',').length, 2);
    const fields = (s.croissant.recordSet as { field: { name: string; dataType: string }[] }[])[0]!.field;
    const types = Object.fromEntries(fields.map((f) => [f.name, f.dataType]));
    assert.deepEqual(
      [types.temp, types.count, types.ok, types.at, types.station, types.url, types.round],
      ['sc:Float', 'sc:Integer', 'sc:Boolean', 'sc:Date', 'sc:Text', 'sc:URL', 'sc:Integer'],
    );
  });

  it('proofs.jsonl proves every record in its request and its request root in the version root', () => {
    const input = priceFeed(4);
    const s = buildSnapshot(input);
    const leaves = input.rounds.map((r) => roundLeaf(r.requestId as `0x${string}`, r.requestRoot as `0x${string}`));
    // proofs.jsonl carries no value hash (yet): the leaf's is the round's accepted one, from the fixture
    const valueHashOf = (requestId: string) =>
      roundValueHash(input.rounds.find((r) => r.requestId === requestId)!.records.map((p) => p.record.value));
    assert.equal(s.root, accumulatorRoot(leaves));
    const lines = text(s, SNAPSHOT_PATHS.proofs)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 4);
    for (const p of lines) {
      assert.ok(
        verifyRecordProof(
          p.request_root,
          {
            requestId: p.request_id,
            index: p.record_index,
            valueHash: valueHashOf(p.request_id),
            recordHash: p.record_hash,
          },
          p.request_proof,
        ),
      );
      assert.equal(p.round_leaf, roundLeaf(p.request_id, p.request_root));
      assert.ok(verifyAccumulatorProof(p.dataset_root, p.round_leaf, p.round_index, p.dataset_proof));
      assert.equal(p.dataset_version, 4);
    }
  });

  it('refuses an edited record whose hash was left as it was', () => {
    const input = priceFeed(2);
    const rec = input.rounds[1]!.records[0]!;
    (rec.record as { value: unknown }).value = 1_000_000;
    assert.throws(
      () => buildSnapshot(input),
      (e) => isVeritasError(e, 'VALUE_MISMATCH') && e.field === 'rounds[1].records[0].recordHash',
    );
  });

  it('refuses rounds that do not recompute the on-chain root, or a version that is not its round count', () => {
    const wrongRoot = priceFeed(2);
    wrongRoot.dataset.root = `0x${'11'.repeat(32)}`;
    assert.throws(
      () => buildSnapshot(wrongRoot),
      (e) => isVeritasError(e, 'VALUE_MISMATCH') && e.field === 'dataset.root',
    );
    const right = priceFeed(2);
    right.dataset.root = buildSnapshot(priceFeed(2)).root;
    assert.equal(buildSnapshot(right).root, right.dataset.root);
    const wrongVersion = priceFeed(2);
    wrongVersion.dataset.version = 3;
    assert.throws(
      () => buildSnapshot(wrongVersion),
      (e) => isVeritasError(e, 'INPUT_INVALID') && e.field === 'rounds',
    );
    const badLicence = priceFeed(1, 'not a licence!');
    assert.throws(
      () => buildSnapshot(badLicence),
      (e) => isVeritasError(e, 'INPUT_INVALID') && e.field === 'dataset.license',
    );
  });
});
