// SPDX-License-Identifier: Apache-2.0
// An example consumer: asks the hub for data and keeps the root, value and challenge deadline delivered per request.
pragma solidity ^0.8.24;

import {IOracleHub} from "./interfaces/IOracleHub.sol";
import {IVeritasConsumer} from "./interfaces/IVeritasConsumer.sol";

contract ExampleConsumer is IVeritasConsumer {
    IOracleHub public immutable hub;
    address public immutable owner;

    struct Delivery {
        bytes32 merkleRoot;
        bytes32 valueHash;
        int256 numericValue;
        uint64 challengeDeadline;
    }

    mapping(bytes32 => Delivery) public deliveries;
    bytes32 public latestRequestId;
    bytes32 public latestRoot;

    event RootReceived(bytes32 indexed requestId, bytes32 merkleRoot, bytes32 valueHash, int256 numericValue);

    error NotHub();
    error NotOwner();

    constructor(IOracleHub hub_) {
        hub = hub_;
        owner = msg.sender;
    }

    /// Sends a request paying `msg.value` as the fee; this contract is the consumer the hub calls back.
    function requestData(bytes32 specHash, string calldata specCid, IOracleHub.RequestParams calldata p)
        external
        payable
        returns (bytes32 requestId)
    {
        if (msg.sender != owner) revert NotOwner();
        requestId = hub.request{value: msg.value}(specHash, specCid, p);
    }

    function onVeritasFulfilled(
        bytes32 requestId,
        bytes32 merkleRoot,
        bytes32 valueHash,
        int256 numericValue,
        uint64 challengeDeadline
    ) external {
        if (msg.sender != address(hub)) revert NotHub();
        deliveries[requestId] = Delivery(merkleRoot, valueHash, numericValue, challengeDeadline);
        latestRequestId = requestId;
        latestRoot = merkleRoot;
        emit RootReceived(requestId, merkleRoot, valueHash, numericValue);
    }

    /// The root only once its challenge window has closed unchallenged: what a cautious consumer acts on.
    function finalRoot(bytes32 requestId) external view returns (bytes32) {
        Delivery memory d = deliveries[requestId];
        if (d.merkleRoot == bytes32(0) || block.timestamp <= d.challengeDeadline) return bytes32(0);
        if (hub.getRequest(requestId).challenged) return bytes32(0);
        return d.merkleRoot;
    }

    /// Pulls refunds of expired requests from the hub and hands them to the owner.
    function withdrawRefunds() external {
        if (msg.sender != owner) revert NotOwner();
        hub.withdraw();
        (bool ok, ) = payable(owner).call{value: address(this).balance}("");
        require(ok);
    }

    receive() external payable {}
}
