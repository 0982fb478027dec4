// Merkle commitments over dataset records: OpenZeppelin's StandardMerkleTree, verifiable on-chain with MerkleProof.
//
// Leaf = keccak256(keccak256(abi.encode(bytes32 requestId, uint256 index, bytes32 recordHash))) — the standard
// double-hashed leaf, so a 64-byte inner node can never be passed off as a leaf. Pairs are hashed sorted.
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import type { Hex } from 'viem';
import { MERKLE_LEAF_ENCODING } from '../schemas/record.ts';

export type RecordLeaf = { requestId: Hex; index: number; recordHash: Hex };
type LeafTuple = [Hex, bigint, Hex];

const tuple = (l: RecordLeaf): LeafTuple => [l.requestId, BigInt(l.index), l.recordHash];

export type RecordTree = {
  root: Hex;
  /** The proof for the leaf at `index` (the record's index, not its sorted position). */
  proof(index: number): Hex[];
  leafHash(index: number): Hex;
};

export function buildRecordTree(leaves: readonly RecordLeaf[]): RecordTree {
  const tree = StandardMerkleTree.of(leaves.map(tuple), [...MERKLE_LEAF_ENCODING]);
  // StandardMerkleTree indexes values by insertion order; records are inserted in index order.
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

export const verifyRecordProof = (root: Hex, leaf: RecordLeaf, proof: readonly Hex[]): boolean =>
  StandardMerkleTree.verify(root, [...MERKLE_LEAF_ENCODING], tuple(leaf), [...proof]);
