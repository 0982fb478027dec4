// SPDX-License-Identifier: Apache-2.0
// Test attacker: an operator that tries to withdraw its bond twice by re-entering from its receive hook.
pragma solidity ^0.8.24;

import {IOperatorRegistry} from "../interfaces/IOperatorRegistry.sol";

contract ReentrantOperator {
    IOperatorRegistry public immutable registry;
    uint256 public reentryAttempts;
    bytes public lastReentryError;
    uint256 public received;

    constructor(IOperatorRegistry registry_) {
        registry = registry_;
    }

    function register() external payable {
        registry.register{value: msg.value}("data:application/json,{}");
    }

    function requestUnbond() external {
        registry.requestUnbond();
    }

    function withdrawBond() external {
        registry.withdrawBond();
    }

    receive() external payable {
        received += msg.value;
        if (reentryAttempts > 0) return;
        reentryAttempts++;
        try registry.withdrawBond() {} catch (bytes memory err) {
            lastReentryError = err;
        }
    }
}
