// Merkle commitments over dataset records: OpenZeppelin's StandardMerkleTree construction, verifiable on-chain with
// MerkleProof (oracle-contracts/MerkleVerifier.sol).
//
// Leaf = keccak256(keccak256(abi.encode(bytes32 requestId, uint256 index, bytes32 valueHash, bytes32 recordHash))) —
// the standard double-hashed leaf, so a 64-byte inner node can never be passed off as a leaf. Pairs are hashed
// sorted. `valueHash` is the value hash OracleHub accepted at `fulfill` (the same for every record of a request), so
// a leaf committing another one is on-chain evidence against the aggregator (OracleHub.challengeFulfillment).
//
// `buildRecordTree` is a direct implementation of the same construction over raw bytes (@noble/hashes keccak, no hex
// round trips, no per-leaf ABI encoder): StandardMerkleTree takes ~10× longer at a million records. Its root and
// proofs are identical to `StandardMerkleTree.of(...)` — test/core/merkle.test.ts checks that on many tree sizes.
import { keccak_256 } from '@noble/hashes/sha3';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import type { Hex } from 'viem';
import { MERKLE_LEAF_ENCODING } from '../schemas/record.ts';

export type RecordLeaf = { requestId: Hex; index: number; valueHash: Hex; recordHash: Hex };
type LeafTuple = [Hex, bigint, Hex, Hex];

const tuple = (l: RecordLeaf): LeafTuple => [l.requestId, BigInt(l.index), l.valueHash, l.recordHash];

export type RecordTree = {
  root: Hex;
  /** The proof for the leaf at `index` (the record's index, not its sorted position). */
  proof(index: number): Hex[];
  leafHash(index: number): Hex;
};

const hexOf = (b: Uint8Array): Hex => `0x${Buffer.from(b.buffer, b.byteOffset, 32).toString('hex')}`;
const bytes32 = (hex: string, into: Uint8Array, at: number): void => {
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new RangeError(`not a bytes32: ${hex}`);
  into.set(Buffer.from(hex.slice(2), 'hex'), at);
};

/** The standard leaf hash of one record: keccak256(keccak256(abi.encode(requestId, index, valueHash, recordHash))). */
export function recordLeafHash(leaf: RecordLeaf): Uint8Array {
  const enc = new Uint8Array(128);
  bytes32(leaf.requestId, enc, 0);
  const view = new DataView(enc.buffer);
  if (!Number.isSafeInteger(leaf.index) || leaf.index < 0) throw new RangeError(`bad record index ${leaf.index}`);
  view.setUint32(56, Math.floor(leaf.index / 2 ** 32));
  view.setUint32(60, leaf.index >>> 0);
  bytes32(leaf.valueHash, enc, 64);
  bytes32(leaf.recordHash, enc, 96);
  return keccak_256(keccak_256(enc));
}

const compare = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b);
const pair = new Uint8Array(64);
function hashPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (compare(a, b) <= 0) {
    pair.set(a, 0);
    pair.set(b, 32);
  } else {
    pair.set(b, 0);
    pair.set(a, 32);
  }
  return keccak_256(pair);
}

export function buildRecordTree(leaves: readonly RecordLeaf[]): RecordTree {
  const n = leaves.length;
  if (n === 0) throw new RangeError('a record tree needs at least one record');
  const hashes = leaves.map(recordLeafHash);
  // StandardMerkleTree sorts leaves by hash, stores them reversed at the end of a flat array (node i has children
  // 2i+1, 2i+2), and fills inner nodes from the back. The same here, so proofs match theirs sibling for sibling.
  const order = hashes.map((_, i) => i).sort((i, j) => compare(hashes[i]!, hashes[j]!));
  const tree: Uint8Array[] = new Array(2 * n - 1);
  const treeIndexOf = new Map<number, number>(); // record index → position in `tree`
  order.forEach((leafPos, sortedPos) => {
    tree[tree.length - 1 - sortedPos] = hashes[leafPos]!;
    treeIndexOf.set(leaves[leafPos]!.index, tree.length - 1 - sortedPos);
  });
  for (let i = tree.length - 1 - n; i >= 0; i--) tree[i] = hashPair(tree[2 * i + 1]!, tree[2 * i + 2]!);
  const at = (index: number): number => {
    const p = treeIndexOf.get(index);
    if (p === undefined) throw new RangeError(`no record with index ${index}`);
    return p;
  };
  return {
    root: hexOf(tree[0]!),
    proof: (index) => {
      const proof: Hex[] = [];
      for (let i = at(index); i > 0; i = Math.floor((i - 1) / 2)) proof.push(hexOf(tree[i % 2 === 1 ? i + 1 : i - 1]!));
      return proof;
    },
    leafHash: (index) => hexOf(tree[at(index)]!),
  };
}

/** OpenZeppelin's own StandardMerkleTree over the same leaves: the reference `buildRecordTree` is tested against. */
export function buildRecordTreeReference(leaves: readonly RecordLeaf[]): RecordTree {
  const tree = StandardMerkleTree.of(leaves.map(tuple), [...MERKLE_LEAF_ENCODING]);
  const position = new Map<number, number>(leaves.map((l, i) => [l.index, i]));
  const at = (index: number): number => {
    const p = position.get(index);
    if (p === undefined) throw new RangeError(`no record with index ${index}`);
    return p;
  };
  return {
    root: tree.root as Hex,
    proof: (index) => tree.getProof(at(index)) as Hex[],
    leafHash: (index) => tree.leafHash(tuple(leaves[at(index)]!)) as Hex,
  };
}

/** Sorted-pair keccak from the leaf up, as MerkleProof.verify does on-chain. */
export function verifyRecordProof(root: Hex, leaf: RecordLeaf, proof: readonly Hex[]): boolean {
  let node = recordLeafHash(leaf);
  for (const sibling of proof) {
    const s = new Uint8Array(32);
    bytes32(sibling, s, 0);
    node = hashPair(node, s);
  }
  return hexOf(node) === root.toLowerCase();
}
