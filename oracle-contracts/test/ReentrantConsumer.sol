// SPDX-License-Identifier: Apache-2.0
// Test attacker: a consumer whose callback re-enters the hub, reverts, burns all its gas or returns a huge revert.
pragma solidity ^0.8.24;

import {IOracleHub} from "../interfaces/IOracleHub.sol";

contract ReentrantConsumer {
    enum Mode {
        Reenter,
        Revert,
        BurnGas,
        ReturnBomb
    }

    IOracleHub public immutable hub;
    Mode public mode;
    bool public callbackRan;
    bytes public withdrawError;
    bytes public fulfillError;
    bytes public expireError;
    bytes32 public followUpRequestId;

    constructor(IOracleHub hub_) {
        hub = hub_;
    }

    function setMode(Mode mode_) external {
        mode = mode_;
    }

    function makeRequest(bytes32 specHash, uint8 quorum, uint64 deadline) external payable returns (bytes32) {
        return hub.request{value: msg.value}(
            specHash,
            "attacker",
            IOracleHub.RequestParams({quorum: quorum, policy: 0, minAgreement: 0, bandBps: 0, deadline: deadline})
        );
    }

    function onVeritasFulfilled(bytes32 requestId, bytes32 merkleRoot, bytes32 valueHash, int256, uint64) external {
        if (mode == Mode.Revert) revert("callback says no");
        if (mode == Mode.BurnGas) {
            while (true) {}
        }
        if (mode == Mode.ReturnBomb) {
            assembly {
                revert(0, 100000)
            }
        }
        callbackRan = true;
        try hub.withdraw() {} catch (bytes memory err) {
            withdrawError = err;
        }
        address[] memory none = new address[](0);
        try hub.fulfill(requestId, merkleRoot, "again", none, valueHash, 1) {} catch (bytes memory err) {
            fulfillError = err;
        }
        try hub.expire(requestId) {} catch (bytes memory err) {
            expireError = err;
        }
    }

    receive() external payable {}
}
