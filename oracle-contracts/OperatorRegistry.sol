// SPDX-License-Identifier: Apache-2.0
// Bonded operator registry: register with a bond, unbond after a delay, enumerate the active set, slashed by the hub.
pragma solidity ^0.8.24;

import {IOperatorRegistry} from "./interfaces/IOperatorRegistry.sol";
import {ReentrancyGuard} from "./lib/ReentrancyGuard.sol";

/// An operator's key is its address (it signs attestations as a notary and sends `respond` as a prover);
/// `metadataURI` advertises its notary endpoint (a `ws://…` URL or a JSON `data:` URI).
///
/// Life cycle: None --register--> Active --requestUnbond--> Unbonding --withdrawBond (after unbondDelay)--> None.
/// The bond stays slashable while unbonding: the delay is what gives evidence time to land on-chain, and the hub
/// counts each operator's open assignments (from `assign` to `fulfill`/`expire`): `withdrawBond` waits for zero.
/// A slash that leaves an active operator below `minBond` moves it to Unbonding (out of the active set).
contract OperatorRegistry is IOperatorRegistry, ReentrancyGuard {
    address public immutable owner;
    uint256 public immutable minBond;
    uint64 public immutable unbondDelay;
    address public hub;

    mapping(address => OperatorInfo) private _operators;
    address[] private _active;
    /// index in `_active` plus one; 0 = not in the active set
    mapping(address => uint256) private _activeIndex;
    /// assignments (as prover or notary, one per role taken) the hub has not yet closed
    mapping(address => uint256) public openAssignments;

    constructor(uint256 minBond_, uint64 unbondDelay_) {
        owner = msg.sender;
        minBond = minBond_;
        unbondDelay = unbondDelay_;
    }

    /// Wires the hub once; only the hub may slash.
    function setHub(address hub_) external {
        if (msg.sender != owner) revert NotOwner();
        if (hub != address(0)) revert HubAlreadySet();
        if (hub_ == address(0)) revert ZeroAddress();
        hub = hub_;
        emit HubSet(hub_);
    }

    function register(string calldata metadataURI) external payable {
        OperatorInfo storage op = _operators[msg.sender];
        if (op.status != OperatorStatus.None) revert AlreadyRegistered();
        if (msg.value < minBond || msg.value == 0) revert InsufficientBond(msg.value, minBond);
        if (bytes(metadataURI).length == 0) revert EmptyMetadata();
        op.status = OperatorStatus.Active;
        op.bond = msg.value;
        op.registeredAt = uint64(block.timestamp);
        op.unbondableAt = 0;
        op.metadataURI = metadataURI;
        _active.push(msg.sender);
        _activeIndex[msg.sender] = _active.length;
        emit OperatorRegistered(msg.sender, msg.value, metadataURI);
    }

    function updateMetadata(string calldata metadataURI) external {
        OperatorInfo storage op = _operators[msg.sender];
        if (op.status == OperatorStatus.None) revert NotRegistered();
        if (bytes(metadataURI).length == 0) revert EmptyMetadata();
        op.metadataURI = metadataURI;
        emit MetadataUpdated(msg.sender, metadataURI);
    }

    function increaseBond() external payable {
        OperatorInfo storage op = _operators[msg.sender];
        if (op.status != OperatorStatus.Active) revert NotActive();
        op.bond += msg.value;
        emit BondIncreased(msg.sender, msg.value, op.bond);
    }

    /// Leaves the active set at once (no new assignments) and starts the unbond delay.
    function requestUnbond() external {
        OperatorInfo storage op = _operators[msg.sender];
        if (op.status != OperatorStatus.Active) revert NotActive();
        _startUnbonding(msg.sender, op);
    }

    function withdrawBond() external nonReentrant {
        OperatorInfo storage op = _operators[msg.sender];
        if (op.status != OperatorStatus.Unbonding) revert NotUnbonding();
        if (block.timestamp < op.unbondableAt) revert UnbondDelayNotElapsed(op.unbondableAt);
        uint256 open = openAssignments[msg.sender];
        if (open != 0) revert OpenAssignments(open);
        uint256 amount = op.bond;
        delete _operators[msg.sender];
        emit BondWithdrawn(msg.sender, amount);
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    /// Takes up to `amount` from the operator's bond and sends it to the hub, which pays the reporter.
    function slash(address operator, uint256 amount, string calldata reason) external nonReentrant returns (uint256 slashed) {
        if (msg.sender != hub) revert NotHub();
        OperatorInfo storage op = _operators[operator];
        if (op.status == OperatorStatus.None) revert NotRegistered();
        slashed = amount < op.bond ? amount : op.bond;
        op.bond -= slashed;
        emit OperatorSlashed(operator, slashed, op.bond, reason);
        if (op.status == OperatorStatus.Active && op.bond < minBond) {
            _startUnbonding(operator, op);
            emit OperatorDeactivated(operator);
        }
        if (slashed > 0) {
            (bool ok, ) = payable(msg.sender).call{value: slashed}("");
            if (!ok) revert TransferFailed();
        }
    }

    /// The hub opens one assignment per prover and per notary role at `assign`.
    function lockAssignments(address[] calldata provers, address[] calldata notaries) external {
        if (msg.sender != hub) revert NotHub();
        for (uint256 i; i < provers.length; ++i) ++openAssignments[provers[i]];
        for (uint256 i; i < notaries.length; ++i) ++openAssignments[notaries[i]];
    }

    /// ... and closes the same ones at `fulfill` or `expire`.
    function releaseAssignments(address[] calldata provers, address[] calldata notaries) external {
        if (msg.sender != hub) revert NotHub();
        for (uint256 i; i < provers.length; ++i) --openAssignments[provers[i]];
        for (uint256 i; i < notaries.length; ++i) --openAssignments[notaries[i]];
    }

    function activeOperators() external view returns (address[] memory) {
        return _active;
    }

    function activeCount() external view returns (uint256) {
        return _active.length;
    }

    function isActive(address operator) external view returns (bool) {
        return _operators[operator].status == OperatorStatus.Active;
    }

    function operatorInfo(address operator) external view returns (OperatorInfo memory) {
        return _operators[operator];
    }

    function bondOf(address operator) external view returns (uint256) {
        return _operators[operator].bond;
    }

    function _startUnbonding(address operator, OperatorInfo storage op) private {
        op.status = OperatorStatus.Unbonding;
        op.unbondableAt = uint64(block.timestamp) + unbondDelay;
        _removeActive(operator);
        emit UnbondRequested(operator, op.unbondableAt);
    }

    /// Swap-and-pop: O(1), but it reorders the set, which is why the hub stores each request's assignment.
    function _removeActive(address operator) private {
        uint256 idx = _activeIndex[operator];
        if (idx == 0) return;
        uint256 last = _active.length;
        if (idx != last) {
            address moved = _active[last - 1];
            _active[idx - 1] = moved;
            _activeIndex[moved] = idx;
        }
        _active.pop();
        delete _activeIndex[operator];
    }
}
