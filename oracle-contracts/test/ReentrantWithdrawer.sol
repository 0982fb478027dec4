// SPDX-License-Identifier: Apache-2.0
// Test attacker: a consumer that, when refunded through withdraw(), tries to withdraw again from its receive hook.
pragma solidity ^0.8.24;

import {IOracleHub} from "../interfaces/IOracleHub.sol";

contract ReentrantWithdrawer {
    IOracleHub public immutable hub;
    uint256 public reentryAttempts;
    uint256 public reentrySuccesses;
    bytes public lastReentryError;
    uint256 public received;

    constructor(IOracleHub hub_) {
        hub = hub_;
    }

    function makeRequest(bytes32 specHash, uint8 quorum, uint64 deadline) external payable returns (bytes32) {
        return hub.request{value: msg.value}(
            specHash,
            "attacker",
            IOracleHub.RequestParams({quorum: quorum, policy: 0, minAgreement: 0, bandBps: 0, deadline: deadline})
        );
    }

    function attack() external {
        hub.withdraw();
    }

    receive() external payable {
        received += msg.value;
        if (reentryAttempts > 0) return;
        reentryAttempts++;
        try hub.withdraw() {
            reentrySuccesses++;
        } catch (bytes memory err) {
            lastReentryError = err;
        }
    }
}
