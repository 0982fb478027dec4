// SPDX-License-Identifier: Apache-2.0
// The callback a consumer contract implements to receive a fulfilled request's root and accepted value.
pragma solidity ^0.8.24;

interface IVeritasConsumer {
    /// Called by OracleHub once per fulfilled request, with a gas cap; reverting here never undoes the fulfilment.
    /// `valueHash` is the value the hub checked against the included responses under the request's policy;
    /// `numericValue` its integer form (single numbers, × 10^precision; 0 otherwise). A consumer that does not
    /// want to trust the aggregator's bond alone waits until `challengeDeadline` (OracleHub.challengeFulfillment).
    function onVeritasFulfilled(
        bytes32 requestId,
        bytes32 merkleRoot,
        bytes32 valueHash,
        int256 numericValue,
        uint64 challengeDeadline
    ) external;
}
