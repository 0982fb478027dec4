import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keccak256, encodeAbiParameters, concat, type Hex } from 'viem';
import { buildRecordTree, buildRecordTreeReference, verifyRecordProof, type RecordLeaf } from '../../core/merkle.ts';
import { hashJson } from '../../core/canonical.ts';

const requestId = `0x${'ab'.repeat(32)}` as Hex;
const leaves: RecordLeaf[] = Array.from({ length: 7 }, (_, index) => ({
  requestId,
  index,
  valueHash: hashJson('value'),
  recordHash: hashJson({ index }),
}));

// OpenZeppelin MerkleProof.verify, re-implemented from its definition: sorted-pair keccak up the tree.
function processProof(leaf: Hex, proof: Hex[]): Hex {
  return proof.reduce<Hex>(
    (acc, sib) => (BigInt(acc) < BigInt(sib) ? keccak256(concat([acc, sib])) : keccak256(concat([sib, acc]))),
    leaf,
  );
}

test('every record proof verifies against the root; a changed record does not', () => {
  const tree = buildRecordTree(leaves);
  for (const leaf of leaves) {
    const proof = tree.proof(leaf.index);
    assert.ok(verifyRecordProof(tree.root, leaf, proof));
    assert.equal(processProof(tree.leafHash(leaf.index), proof), tree.root);
    assert.ok(
      !verifyRecordProof(tree.root, { ...leaf, recordHash: hashJson({ index: leaf.index, edited: true }) }, proof),
    );
    assert.ok(!verifyRecordProof(tree.root, { ...leaf, index: leaf.index + 100 }, proof));
  }
});

test('leaf is the double-hashed abi.encode(requestId, index, valueHash, recordHash)', () => {
  const tree = buildRecordTree(leaves);
  const l = leaves[3]!;
  const inner = keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'uint256' }, { type: 'bytes32' }, { type: 'bytes32' }],
      [l.requestId, 3n, l.valueHash, l.recordHash],
    ),
  );
  assert.equal(tree.leafHash(3), keccak256(inner));
});

test('a single-record tree has the leaf as root and an empty proof', () => {
  const tree = buildRecordTree([leaves[0]!]);
  assert.deepEqual(tree.proof(0), []);
  assert.equal(tree.root, tree.leafHash(0));
});

test('the fast builder gives StandardMerkleTree’s root, leaf hashes and proofs on trees of 1 to 70 records', async () => {
  const { buildRecordTreeReference } = await import('../../core/merkle.ts');
  for (let n = 1; n <= 70; n++) {
    const ls: RecordLeaf[] = Array.from({ length: n }, (_, index) => ({
      requestId,
      index,
      valueHash: hashJson({ n }),
      recordHash: hashJson({ n, index }),
    }));
    const fast = buildRecordTree(ls);
    const ref = buildRecordTreeReference(ls);
    assert.equal(fast.root, ref.root, `root of ${n}`);
    for (const l of ls) {
      assert.equal(fast.leafHash(l.index), ref.leafHash(l.index));
      assert.deepEqual(fast.proof(l.index), ref.proof(l.index));
    }
  }
});

test('the fast builder equals StandardMerkleTree on larger trees (powers of two and their neighbours)', () => {
  for (const n of [127, 128, 129, 1000, 4095, 4096, 4097]) {
    const ls: RecordLeaf[] = Array.from({ length: n }, (_, index) => ({
      requestId,
      index,
      valueHash: hashJson({ n }),
      recordHash: hashJson({ n, index }),
    }));
    const fast = buildRecordTree(ls);
    const ref = buildRecordTreeReference(ls);
    assert.equal(fast.root, ref.root, `root of ${n}`);
    for (const i of [0, 1, n >> 1, n - 2, n - 1].filter((i) => i >= 0)) {
      assert.equal(fast.leafHash(i), ref.leafHash(i), `leaf ${i} of ${n}`);
      assert.deepEqual(fast.proof(i), ref.proof(i), `proof ${i} of ${n}`);
    }
  }
});

test('leaves equal StandardMerkleTree over (bytes32, uint256, bytes32, bytes32); valueHash is part of the leaf', () => {
  const valueHash = hashJson('the accepted value');
  for (const n of [1, 2, 3, 5, 17, 64, 65, 300]) {
    const ls: RecordLeaf[] = Array.from({ length: n }, (_, index) => ({
      requestId,
      index,
      valueHash,
      recordHash: hashJson({ v2: n, index }),
    }));
    const fast = buildRecordTree(ls);
    const ref = buildRecordTreeReference(ls);
    assert.equal(fast.root, ref.root, `root of ${n}`);
    for (const l of ls) {
      assert.equal(fast.leafHash(l.index), ref.leafHash(l.index));
      assert.deepEqual(fast.proof(l.index), ref.proof(l.index));
      assert.ok(verifyRecordProof(fast.root, l, fast.proof(l.index)));
    }
    // the same record under another valueHash is another leaf: its proof does not verify
    const l = ls[0]!;
    assert.ok(!verifyRecordProof(fast.root, { ...l, valueHash: hashJson('another value') }, fast.proof(l.index)));
  }
  const l = ls3()[1]!;
  const inner = keccak256(
    encodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'uint256' }, { type: 'bytes32' }, { type: 'bytes32' }],
      [l.requestId, 1n, l.valueHash, l.recordHash],
    ),
  );
  assert.equal(buildRecordTree(ls3()).leafHash(1), keccak256(inner));
});
const ls3 = (): RecordLeaf[] =>
  [0, 1, 2].map((index) => ({ requestId, index, valueHash: hashJson(1), recordHash: hashJson({ index }) }));

test('records with sparse or shuffled indexes get their own proofs; bad inputs are refused', () => {
  const ls: RecordLeaf[] = [5, 1_000_000, 3, 42].map((index) => ({
    requestId,
    index,
    valueHash: hashJson('sparse'),
    recordHash: hashJson({ index }),
  }));
  const fast = buildRecordTree(ls);
  const ref = buildRecordTreeReference(ls);
  assert.equal(fast.root, ref.root);
  for (const l of ls) assert.deepEqual(fast.proof(l.index), ref.proof(l.index));
  assert.throws(() => fast.proof(4), RangeError);
  assert.throws(() => buildRecordTree([ls[0]!, ls[0]!]), RangeError); // two records with one index
  for (const bad of ['0x12', `0x${'zz'.repeat(32)}`, `${'ab'.repeat(33)}`, `0X${'ab'.repeat(32)}`]) {
    assert.throws(() => buildRecordTree([{ ...ls[0]!, recordHash: bad as Hex }]), RangeError, bad);
    assert.throws(() => buildRecordTree([{ ...ls[0]!, valueHash: bad as Hex }]), RangeError, bad);
  }
  // the v1 leaf (no valueHash) is gone: a leaf without one is refused, never hashed as 96 bytes
  const { valueHash: _, ...v1 } = ls[0]!;
  assert.throws(() => buildRecordTree([v1 as RecordLeaf]), RangeError);
  assert.throws(() => verifyRecordProof(fast.root, ls[0]!, ['0x1234']), RangeError);
});

test('leaf hashes are ordered bytewise, also when many share their first bytes (the radix sort’s tie-break)', async () => {
  const { sortLeafHashes } = await import('../../core/merkle.ts');
  let seed = 1;
  const byte = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed & 0xff;
  };
  const n = 3000;
  const bytes = new Uint8Array(n * 32);
  for (let i = 0; i < n; i++) {
    // only 4 distinct 4-byte prefixes, 16 distinct 5th bytes, some exact duplicates
    const prefix = [0x00, 0x7f, 0x80, 0xff][i % 4]!;
    bytes.fill(prefix, i * 32, i * 32 + 4);
    bytes[i * 32 + 4] = byte() & 0x0f;
    for (let j = 5; j < 32; j++) bytes[i * 32 + j] = i % 10 === 0 ? 0 : byte();
  }
  const order = sortLeafHashes(new Uint32Array(bytes.buffer), n);
  const node = (i: number) => Buffer.from(bytes.buffer, i * 32, 32);
  const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => Buffer.compare(node(a), node(b)) || a - b);
  assert.deepEqual([...order], expected);
});

test('the parallel builder (worker threads) gives the single-thread tree', async (t) => {
  const { buildRecordTreeParallel, closeMerkleWorkers } = await import('../../core/merkle.ts');
  t.after(closeMerkleWorkers);
  for (const n of [65_536, 70_001, 100_003]) {
    const ls: RecordLeaf[] = Array.from({ length: n }, (_, index) => ({
      requestId,
      index,
      valueHash: hashJson({ accepted: n }),
      recordHash: hashJson({ p: n, index }),
    }));
    const one = buildRecordTree(ls);
    const many = await buildRecordTreeParallel(ls, 3);
    assert.equal(many.root, one.root, `root of ${n}`);
    for (const i of [0, 1, 31, 32, 63, n >> 1, n - 1]) {
      assert.equal(many.leafHash(i), one.leafHash(i));
      assert.deepEqual(many.proof(i), one.proof(i));
    }
  }
});

test('the parallel builder refuses a bad leaf and its workers still build the next tree', async (t) => {
  const { buildRecordTreeParallel, closeMerkleWorkers } = await import('../../core/merkle.ts');
  t.after(closeMerkleWorkers);
  const n = 70_001;
  const ls: RecordLeaf[] = Array.from({ length: n }, (_, index) => ({
    requestId,
    index,
    valueHash: hashJson('v'),
    recordHash: hashJson({ index }),
  }));
  // a bad leaf after the workers have started on the first chunks (they wait for leaves still being encoded)
  const bad = ls.map((l, i) => (i === 50_000 ? { ...l, recordHash: '0x1234' as const } : l));
  await assert.rejects(buildRecordTreeParallel(bad, 2), /not a bytes32/);
  assert.equal((await buildRecordTreeParallel(ls, 2)).root, buildRecordTree(ls).root);
});
