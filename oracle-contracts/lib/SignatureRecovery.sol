// SPDX-License-Identifier: Apache-2.0
// ECDSA recovery of a 65-byte (r, s, v) secp256k1 signature, rejecting malleable (high-s) and malformed ones.
pragma solidity ^0.8.24;

library SignatureRecovery {
    /// secp256k1n / 2: signatures with a larger s have a twin (n - s, flipped v) and are refused so each
    /// signed message has exactly one accepted encoding.
    uint256 internal constant HALF_N = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    /// Returns the signer, or address(0) when the signature is malformed, malleable or does not recover.
    function tryRecover(bytes32 digest, bytes memory signature) internal pure returns (address signer) {
        if (signature.length != 65) return address(0);
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
        if (v < 27) v += 27; // accept the 0/1 recovery-id form some signers emit
        if (v != 27 && v != 28) return address(0);
        if (uint256(s) > HALF_N || uint256(s) == 0 || uint256(r) == 0) return address(0);
        signer = ecrecover(digest, v, r, s);
    }
}
