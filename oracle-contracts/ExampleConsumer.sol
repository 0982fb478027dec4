// SPDX-License-Identifier: Apache-2.0
// An example consumer: asks the hub for data and keeps the latest Merkle root delivered per request.
pragma solidity ^0.8.24;

import {IOracleHub} from "./interfaces/IOracleHub.sol";
import {IVeritasConsumer} from "./interfaces/IVeritasConsumer.sol";

contract ExampleConsumer is IVeritasConsumer {
    IOracleHub public immutable hub;
    address public immutable owner;

    mapping(bytes32 => bytes32) public rootOf;
    mapping(bytes32 => string) public reportCidOf;
    bytes32 public latestRequestId;
    bytes32 public latestRoot;

    event RootReceived(bytes32 indexed requestId, bytes32 merkleRoot, string reportCid);

    error NotHub();
    error NotOwner();

    constructor(IOracleHub hub_) {
        hub = hub_;
        owner = msg.sender;
    }

    /// Sends a request paying `msg.value` as the fee; this contract is the consumer the hub calls back.
    function requestData(bytes32 specHash, string calldata specCid, uint8 quorum, uint64 deadline)
        external
        payable
        returns (bytes32 requestId)
    {
        if (msg.sender != owner) revert NotOwner();
        requestId = hub.request{value: msg.value}(specHash, specCid, quorum, deadline);
    }

    function onVeritasFulfilled(bytes32 requestId, bytes32 merkleRoot, string calldata reportCid) external {
        if (msg.sender != address(hub)) revert NotHub();
        rootOf[requestId] = merkleRoot;
        reportCidOf[requestId] = reportCid;
        latestRequestId = requestId;
        latestRoot = merkleRoot;
        emit RootReceived(requestId, merkleRoot, reportCid);
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
