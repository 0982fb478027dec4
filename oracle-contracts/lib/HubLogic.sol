// SPDX-License-Identifier: Apache-2.0
// Pure parts of the hub: the committee draw, the fulfil-time policy check and the record Merkle leaf.
pragma solidity ^0.8.24;

import {IOracleHub} from "../interfaces/IOracleHub.sol";

library HubLogic {
    uint256 internal constant BPS = 10_000;

    /// With n = pool.length and m = size:
    ///  1. Provers: a partial Fisher–Yates shuffle of `pool` (in place; callers pass a copy). For i = 0 … m-1:
    ///     j = i + uint256(keccak256(abi.encode(seed, uint256(0), i))) % (n - i); swap(pool[i], pool[j]);
    ///     provers[i] = pool[i]. Provers are therefore distinct.
    ///  2. Notaries: for each i < m, k = uint256(keccak256(abi.encode(seed, uint256(1), i))) % (n - 1);
    ///     notaries[i] = pool[k < i ? k : k + 1]: a uniform pick among the n - 1 other operators, never the prover.
    function drawCommittee(bytes32 seed, address[] memory pool, uint256 size)
        internal
        pure
        returns (address[] memory provers, address[] memory notaries)
    {
        uint256 n = pool.length;
        provers = new address[](size);
        notaries = new address[](size);
        for (uint256 i; i < size; ++i) {
            uint256 j = i + uint256(keccak256(abi.encode(seed, uint256(0), i))) % (n - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
            provers[i] = pool[i];
        }
        for (uint256 i; i < size; ++i) {
            uint256 k = uint256(keccak256(abi.encode(seed, uint256(1), i))) % (n - 1);
            notaries[i] = pool[k < i ? k : k + 1];
        }
    }

    /// Checks `valueHash` against the included responses' (resultHash, numericValue) and returns the accepted
    /// numeric value (docs/PROTOCOL.md, "Fulfilment and challenge"):
    ///  - 0 exact: every included response carries valueHash;
    ///  - 1 mode: at least max(minAgreement, 1) carry valueHash and no other value has as many;
    ///  - 2 median: ≥ 3 included, or 2 within bandBps (|a − b| · 10⁴ ≤ bandBps · |a + b|), or 1 at quorum 1; the
    ///    lower median (sorted element ⌊(n−1)/2⌋) is an attested value and valueHash must be its resultHash;
    ///  - 3 element-wise median of arrays: not checkable here (the aggregator's bond and the challenge cover it).
    function checkPolicy(
        uint8 policy,
        uint8 quorum,
        uint8 minAgreement,
        uint16 bandBps,
        bytes32 valueHash,
        bytes32[] memory hashes,
        int256[] memory numbers
    ) internal pure returns (int256) {
        uint256 n = hashes.length;
        if (policy == 0) {
            for (uint256 i; i < n; ++i) if (hashes[i] != valueHash) revert IOracleHub.PolicyViolation(policy);
            return numbers[0];
        }
        if (policy == 1) {
            uint256 c = _count(hashes, valueHash);
            if (c == 0 || c < minAgreement) revert IOracleHub.PolicyViolation(policy);
            for (uint256 i; i < n; ++i) {
                if (hashes[i] != valueHash && _count(hashes, hashes[i]) >= c) revert IOracleHub.PolicyViolation(policy);
            }
            for (uint256 i; i < n; ++i) if (hashes[i] == valueHash) return numbers[i];
        }
        if (policy == 2) {
            if (n == 2) {
                int256 d = numbers[0] - numbers[1];
                int256 s = numbers[0] + numbers[1];
                if (_abs(d) * BPS > uint256(bandBps) * _abs(s)) revert IOracleHub.PolicyViolation(policy);
            } else if (n < 3 && !(n == 1 && quorum == 1)) {
                revert IOracleHub.PolicyViolation(policy);
            }
            // insertion sort of (number, hash) pairs: n ≤ 382 and usually 3–6
            for (uint256 i = 1; i < n; ++i) {
                int256 x = numbers[i];
                bytes32 h = hashes[i];
                uint256 j = i;
                while (j > 0 && numbers[j - 1] > x) {
                    numbers[j] = numbers[j - 1];
                    hashes[j] = hashes[j - 1];
                    --j;
                }
                numbers[j] = x;
                hashes[j] = h;
            }
            uint256 m = (n - 1) / 2;
            if (hashes[m] != valueHash) revert IOracleHub.PolicyViolation(policy);
            return numbers[m];
        }
        return 0;
    }

    function _count(bytes32[] memory hashes, bytes32 h) private pure returns (uint256 c) {
        for (uint256 i; i < hashes.length; ++i) if (hashes[i] == h) ++c;
    }

    function _abs(int256 x) private pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-x);
    }

    /// keccak256(bytes.concat(keccak256(abi.encode(requestId, index, valueHash, recordHash)))): OpenZeppelin's
    /// StandardMerkleTree leaf over (bytes32, uint256, bytes32, bytes32), the double hash against second preimages.
    function recordLeaf(bytes32 requestId, uint256 index, bytes32 valueHash, bytes32 recordHash)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(bytes.concat(keccak256(abi.encode(requestId, index, valueHash, recordHash))));
    }

    /// Sorted-pair keccak256 from the leaf up (OpenZeppelin MerkleProof semantics).
    function processProof(bytes32[] calldata proof, bytes32 leaf) internal pure returns (bytes32 computed) {
        computed = leaf;
        for (uint256 i; i < proof.length; ++i) {
            bytes32 a = computed;
            bytes32 b = proof[i];
            (bytes32 lo, bytes32 hi) = a < b ? (a, b) : (b, a);
            assembly ("memory-safe") {
                mstore(0x00, lo)
                mstore(0x20, hi)
                computed := keccak256(0x00, 0x40)
            }
        }
    }
}
