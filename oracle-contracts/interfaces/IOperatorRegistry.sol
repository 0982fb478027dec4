// SPDX-License-Identifier: Apache-2.0
// The operator registry's interface: bonds, the active set used for assignment, and hub-only slashing.
pragma solidity ^0.8.24;

interface IOperatorRegistry {
    enum OperatorStatus {
        None,
        Active,
        Unbonding
    }

    struct OperatorInfo {
        OperatorStatus status;
        uint256 bond;
        uint64 registeredAt;
        /// when `withdrawBond` becomes possible; 0 unless unbonding
        uint64 unbondableAt;
        string metadataURI;
    }

    event OperatorRegistered(address indexed operator, uint256 bond, string metadataURI);
    event MetadataUpdated(address indexed operator, string metadataURI);
    event BondIncreased(address indexed operator, uint256 amount, uint256 bond);
    event UnbondRequested(address indexed operator, uint64 unbondableAt);
    event BondWithdrawn(address indexed operator, uint256 amount);
    event OperatorSlashed(address indexed operator, uint256 amount, uint256 remainingBond, string reason);
    event OperatorDeactivated(address indexed operator);
    event HubSet(address indexed hub);

    error AlreadyRegistered();
    error NotRegistered();
    error NotActive();
    error NotUnbonding();
    error InsufficientBond(uint256 sent, uint256 minBond);
    error UnbondDelayNotElapsed(uint64 unbondableAt);
    error NotHub();
    error NotOwner();
    error HubAlreadySet();
    error ZeroAddress();
    error TransferFailed();
    error EmptyMetadata();
    error OpenAssignments(uint256 open);

    function register(string calldata metadataURI) external payable;
    function updateMetadata(string calldata metadataURI) external;
    function increaseBond() external payable;
    function requestUnbond() external;
    function withdrawBond() external;
    function slash(address operator, uint256 amount, string calldata reason) external returns (uint256 slashed);

    function lockAssignments(address[] calldata provers, address[] calldata notaries) external;
    function releaseAssignments(address[] calldata provers, address[] calldata notaries) external;
    function openAssignments(address operator) external view returns (uint256);

    function activeOperators() external view returns (address[] memory);
    function activeCount() external view returns (uint256);
    function isActive(address operator) external view returns (bool);
    function operatorInfo(address operator) external view returns (OperatorInfo memory);
    function bondOf(address operator) external view returns (uint256);
    function minBond() external view returns (uint256);
    function unbondDelay() external view returns (uint64);
    function hub() external view returns (address);
}
