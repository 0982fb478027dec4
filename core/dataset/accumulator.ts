// The dataset history accumulator: an append-only incremental Merkle tree of fixed depth over request roots, the
// same construction DatasetRegistry.sol computes on-chain, so a version root can be recomputed and proved off-chain.
//
// Leaf of round i = keccak256(abi.encode(bytes32 requestId, bytes32 requestRoot)). Inner node = keccak256(left ‖
// right), *positional* (not sorted): the leaf's index is part of what is proved, so rounds cannot be reordered.
// Empty subtrees hash to zeros[h] (zeros[0] = 0x00…00, zeros[h+1] = keccak(zeros[h] ‖ zeros[h])), as in the eth2
// deposit contract; version k's root is the root of the depth-32 tree whose first k leaves are the appended rounds.
import { keccak_256 } from '@noble/hashes/sha3';
import type { Hex } from 'viem';

export const ACCUMULATOR_DEPTH = 32;

const hexOf = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`;
function bytesOf(hex: string, what: string): Uint8Array {
  if (!/^0x[0-9a-fA-F]{64}$/.test(hex)) throw new RangeError(`${what} is not a bytes32: ${hex}`);
  return Buffer.from(hex.slice(2), 'hex');
}
const node = (left: Uint8Array, right: Uint8Array): Uint8Array => {
  const pair = new Uint8Array(64);
  pair.set(left, 0);
  pair.set(right, 32);
  return keccak_256(pair);
};

const ZEROS: Uint8Array[] = [new Uint8Array(32)];
for (let h = 0; h < ACCUMULATOR_DEPTH; h++) ZEROS.push(node(ZEROS[h]!, ZEROS[h]!));

/** The accumulator leaf of one fulfilled round: keccak256(abi.encode(requestId, requestRoot)). */
export function roundLeaf(requestId: Hex, requestRoot: Hex): Hex {
  const enc = new Uint8Array(64);
  enc.set(bytesOf(requestId, 'requestId'), 0);
  enc.set(bytesOf(requestRoot, 'requestRoot'), 32);
  return hexOf(keccak_256(enc));
}

// Every level of the tree over `leaves`, padded on the right with the zero subtree of that level.
function levels(leaves: readonly Hex[]): Uint8Array[][] {
  if (leaves.length > 2 ** ACCUMULATOR_DEPTH) throw new RangeError('the accumulator is full');
  const out: Uint8Array[][] = [leaves.map((l) => bytesOf(l, 'leaf'))];
  for (let h = 0; h < ACCUMULATOR_DEPTH; h++) {
    const level = out[h]!;
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(node(level[i]!, level[i + 1] ?? ZEROS[h]!));
    out.push(next);
  }
  return out;
}

/** The root after appending `leaves` in order (the empty accumulator's root is zeros[32]). */
export function accumulatorRoot(leaves: readonly Hex[]): Hex {
  return hexOf(levels(leaves)[ACCUMULATOR_DEPTH]![0] ?? ZEROS[ACCUMULATOR_DEPTH]!);
}

/** The 32 siblings from leaf `index` up to the root of the accumulator holding `leaves`. */
export function accumulatorProof(leaves: readonly Hex[], index: number): Hex[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length)
    throw new RangeError(`no round at accumulator index ${index}`);
  const all = levels(leaves);
  const proof: Hex[] = [];
  let i = index;
  for (let h = 0; h < ACCUMULATOR_DEPTH; h++) {
    // arithmetic, not bit operators: an index may exceed 2^31
    proof.push(hexOf(all[h]![i % 2 === 0 ? i + 1 : i - 1] ?? ZEROS[h]!));
    i = Math.floor(i / 2);
  }
  return proof;
}

/** Recomputes the root from a leaf, its index and its siblings (the Solidity view does the same). */
export function accumulatorRootFromProof(leaf: Hex, index: number, proof: readonly Hex[]): Hex {
  if (proof.length !== ACCUMULATOR_DEPTH)
    throw new RangeError(`an accumulator proof has ${ACCUMULATOR_DEPTH} siblings`);
  let acc = bytesOf(leaf, 'leaf');
  let i = index;
  for (const sibling of proof) {
    const s = bytesOf(sibling, 'sibling');
    acc = i % 2 === 0 ? node(acc, s) : node(s, acc);
    i = Math.floor(i / 2);
  }
  return hexOf(acc);
}

export const verifyAccumulatorProof = (root: Hex, leaf: Hex, index: number, proof: readonly Hex[]): boolean =>
  accumulatorRootFromProof(leaf, index, proof) === root.toLowerCase();
