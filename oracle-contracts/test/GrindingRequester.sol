// SPDX-License-Identifier: Apache-2.0
// Test attacker: a requester that only commits a request when it predicts its own Sybil committee.
pragma solidity ^0.8.24;

import {IOracleHub} from "../interfaces/IOracleHub.sol";
import {IOperatorRegistry} from "../interfaces/IOperatorRegistry.sol";

/// The grinding of protocol v1: predict the committee from what a request's own transaction can see (prevrandao,
/// the parent block hash, the id) and only send the request when `sybil` is drawn as prover. Under v2 the committee
/// is drawn later from blockhash(randomnessBlock), so the prediction is worthless and the draw stays uniform.
contract GrindingRequester {
    IOracleHub public immutable hub;
    IOperatorRegistry public immutable registry;
    address public immutable sybil;
    uint256 public attempts;
    uint256 public committed;
    bytes32[] public requestIds;

    constructor(IOracleHub hub_, IOperatorRegistry registry_, address sybil_) {
        hub = hub_;
        registry = registry_;
        sybil = sybil_;
    }

    function requestCount() external view returns (uint256) {
        return requestIds.length;
    }

    /// One grinding attempt: commits only when every randomness source visible now predicts `sybil` as prover 0.
    function tryRequest(bytes32 specHash, uint64 deadline) external payable {
        ++attempts;
        address[] memory active = registry.activeOperators();
        uint256 nonce = hub.nonce();
        bytes32 id = keccak256(abi.encode(block.chainid, address(hub), nonce, address(this), specHash));
        bytes32[3] memory guesses = [
            keccak256(abi.encode(block.prevrandao, id)),
            keccak256(abi.encode(blockhash(block.number - 1), id)),
            keccak256(abi.encode(blockhash(block.number), id)) // 0: a transaction cannot see its own block's hash
        ];
        bool predicted = false;
        for (uint256 g; g < 3; ++g) {
            (address[] memory provers, ) = hub.computeAssignment(guesses[g], active, 1);
            if (provers[0] == sybil) predicted = true;
        }
        if (!predicted) return;
        ++committed;
        requestIds.push(
            hub.request{value: msg.value}(
                specHash,
                "grind",
                IOracleHub.RequestParams({quorum: 1, policy: 0, minAgreement: 0, bandBps: 0, deadline: deadline})
            )
        );
    }

    receive() external payable {}
}
