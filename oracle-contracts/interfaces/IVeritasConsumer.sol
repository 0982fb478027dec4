// SPDX-License-Identifier: Apache-2.0
// The callback a consumer contract implements to receive a fulfilled request's Merkle root.
pragma solidity ^0.8.24;

interface IVeritasConsumer {
    /// Called by OracleHub once per fulfilled request, with a gas cap; reverting here never undoes the fulfilment.
    function onVeritasFulfilled(bytes32 requestId, bytes32 merkleRoot, string calldata reportCid) external;
}
