import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keccak256, encodeAbiParameters, concat, type Hex } from 'viem';
import { buildRecordTree, verifyRecordProof, type RecordLeaf } from '../../core/merkle.ts';
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
