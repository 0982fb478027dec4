// SPDX-License-Identifier: Apache-2.0
// Verifies Merkle proofs as built by @openzeppelin/merkle-tree (sorted-pair keccak256), so records check on-chain.
pragma solidity ^0.8.24;

/// Same semantics as OpenZeppelin's MerkleProof.verify: each step hashes the pair in ascending order
/// (commutative keccak256), so proofs carry no left/right flags. With StandardMerkleTree the leaf is
/// keccak256(bytes.concat(keccak256(abi.encode(values…)))), the double hash guarding against second preimages.
/// A Veritas record's leaf is over (bytes32 requestId, uint256 index, bytes32 valueHash, bytes32 recordHash).
contract MerkleVerifier {
    function recordLeaf(bytes32 requestId, uint256 index, bytes32 valueHash, bytes32 recordHash)
        external
        pure
        returns (bytes32)
    {
        return keccak256(bytes.concat(keccak256(abi.encode(requestId, index, valueHash, recordHash))));
    }

    /// True when the record (requestId, index, valueHash, recordHash) is a leaf of `root`.
    function verifyRecord(
        bytes32[] calldata proof,
        bytes32 root,
        bytes32 requestId,
        uint256 index,
        bytes32 valueHash,
        bytes32 recordHash
    ) external pure returns (bool) {
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(requestId, index, valueHash, recordHash))));
        return processProof(proof, leaf) == root;
    }

    function verify(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external pure returns (bool) {
        return processProof(proof, leaf) == root;
    }

    function processProof(bytes32[] calldata proof, bytes32 leaf) public pure returns (bytes32 computed) {
        computed = leaf;
        for (uint256 i; i < proof.length; ++i) {
            computed = _hashPair(computed, proof[i]);
        }
    }

    function _hashPair(bytes32 a, bytes32 b) private pure returns (bytes32 h) {
        (bytes32 lo, bytes32 hi) = a < b ? (a, b) : (b, a);
        assembly ("memory-safe") {
            mstore(0x00, lo)
            mstore(0x20, hi)
            h := keccak256(0x00, 0x40)
        }
    }
}
