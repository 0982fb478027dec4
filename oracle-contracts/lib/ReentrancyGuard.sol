// SPDX-License-Identifier: Apache-2.0
// A minimal reentrancy lock: one storage slot, 1 = unlocked, 2 = locked (non-zero both ways keeps SSTOREs cheap).
pragma solidity ^0.8.24;

abstract contract ReentrancyGuard {
    uint256 private _lock = 1;

    error Reentrancy();

    modifier nonReentrant() {
        if (_lock != 1) revert Reentrancy();
        _lock = 2;
        _;
        _lock = 1;
    }
}
