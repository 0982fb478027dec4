// SPDX-License-Identifier: Apache-2.0
// The oracle hub: escrowed requests, committed-then-drawn committees, notarised responses, policy-checked fulfilment.
pragma solidity ^0.8.24;

import {IOracleHub} from "./interfaces/IOracleHub.sol";
import {IOperatorRegistry} from "./interfaces/IOperatorRegistry.sol";
import {IVeritasConsumer} from "./interfaces/IVeritasConsumer.sol";
import {ReentrancyGuard} from "./lib/ReentrancyGuard.sol";
import {SignatureRecovery} from "./lib/SignatureRecovery.sol";
import {HubLogic} from "./lib/HubLogic.sol";

/// Flow (docs/PROTOCOL.md): consumer `request`s (fee escrowed, at least `minFeePerProver` per sampled prover) →
/// after `randomnessBlock` anyone `assign`s: the committee is drawn from blockhash(randomnessBlock), which did not
/// exist when the request was committed, and snapshotted → each prover `respond`s with an attestation its notary
/// signed (EIP-712 v2, checked here) → an active, bonded aggregator `fulfill`s with the Merkle root, the value
/// hash, which the hub checks against the included responses under the request's policy, and the root's record count
/// → fee credited to included provers and notaries (pull: `withdraw`) → for `challengeWindow` anyone can slash the
/// aggregator's bond with a leaf of its root whose value hash contradicts the accepted one, or whose index is at or
/// beyond the declared record count (a record the report hides). Unfulfilled requests `expire` after the deadline and
/// the fee is credited back to the consumer.
///
/// Over-sampling: a request for `quorum` assigns sampleSize(quorum, n) = min(quorum + floor(quorum / 2), n) provers
/// so the aggregator can leave out invalid or outlying responses and still reach `quorum`.
///
/// Residual trust in the draw: the proposer of `randomnessBlock` can withhold its block (one re-draw per withheld
/// block, at the cost of its reward). `_randomness` is the one place a VRF or beacon adapter replaces blockhash.
/// If nobody assigns for 256 blocks, blockhash is gone and `assign` retargets to a later block instead of drawing.
///
/// Bonds stay slashable: the registry counts each operator's open assignments (from `assign` to `fulfill`/`expire`)
/// and refuses `withdrawBond` while any is open; its unbond delay is at least maxDeadlineWindow + challengeWindow.
///
/// Fee split: 70 % shared equally among the included provers, 30 % among their notaries (one share per inclusion);
/// the rounding remainder goes to the first included prover. Responders left out of `included` get nothing.
///
/// Slashing: a notary that signed two attestations for one (requestId, prover) whose recvHash or resultHash differ
/// loses `slashBps` of its bond; an aggregator whose root contains a contradicting or an undeclared leaf loses all of
/// its bond. In both
/// cases `reporterRewardBps` goes to the reporter and the rest is burned (locked here, accounted in `burned`).
contract OracleHub is IOracleHub, ReentrancyGuard {
    uint256 public constant PROVER_SHARE_BPS = 7_000;
    uint256 internal constant BPS = 10_000;

    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(bytes32 requestId,bytes32 specHash,address prover,address notary,uint8 trust,bytes32 serverNameHash,uint64 tlsTime,bytes32 sentHash,bytes32 recvHash,bytes32 resultHash,int256 numericValue)"
    );
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant NAME_HASH = keccak256("Veritas");
    bytes32 internal constant VERSION_HASH = keccak256("2");

    IOperatorRegistry public immutable registry;
    address public immutable owner;
    uint16 public immutable slashBps;
    uint16 public immutable reporterRewardBps;
    /// gas forwarded to the consumer's callback; fulfil reverts if it cannot forward that much
    uint32 public immutable callbackGasLimit;
    uint16 public immutable assignDelay;
    uint64 public immutable maxDeadlineWindow;
    uint64 public immutable challengeWindow;
    uint64 public immutable aggregatorDelay;
    uint256 public immutable minAggregatorBond;

    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    uint256 public minFeePerProver;
    uint256 public nonce;
    uint256 public burned;

    mapping(bytes32 => Request) private _requests;
    mapping(bytes32 => address[]) private _provers;
    mapping(bytes32 => mapping(address => address)) private _notaryOf;
    mapping(bytes32 => Response[]) private _responses;
    /// index in `_responses[requestId]` plus one
    mapping(bytes32 => mapping(address => uint256)) private _responseIndex;
    mapping(address => uint256) private _balances;
    mapping(bytes32 => bool) public evidenceUsed;
    mapping(address => AggregatorInfo) private _aggregators;
    /// pending owner decisions: enabled flag and when it may take effect (0 = none pending)
    mapping(address => bool) public proposedEnabled;
    mapping(address => uint64) public proposalActivatableAt;

    constructor(IOperatorRegistry registry_, address aggregator_, HubConfig memory c) {
        if (address(registry_) == address(0) || aggregator_ == address(0)) revert ZeroAddress();
        if (c.slashBps == 0 || c.slashBps > BPS || c.reporterRewardBps > BPS) revert InvalidParameter();
        if (c.maxDeadlineWindow == 0 || c.challengeWindow == 0) revert InvalidParameter();
        // an operator must not be able to leave before its last possible assignment can be challenged
        if (registry_.unbondDelay() < uint256(c.maxDeadlineWindow) + c.challengeWindow) revert InvalidParameter();
        registry = registry_;
        owner = msg.sender;
        slashBps = c.slashBps;
        reporterRewardBps = c.reporterRewardBps;
        callbackGasLimit = c.callbackGasLimit;
        assignDelay = c.assignDelay;
        maxDeadlineWindow = c.maxDeadlineWindow;
        challengeWindow = c.challengeWindow;
        aggregatorDelay = c.aggregatorDelay;
        minAggregatorBond = c.minAggregatorBond;
        minFeePerProver = c.minFeePerProver;
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = _buildDomainSeparator();
        // the genesis aggregator needs no delay (nothing was trusted before), but it still needs a bond to act
        _aggregators[aggregator_].enabled = true;
        emit AggregatorChanged(aggregator_, true);
        emit FeeFloorChanged(0, c.minFeePerProver);
    }

    /// Only slashing proceeds from the registry may arrive outside a payable function.
    receive() external payable {
        if (msg.sender != address(registry)) revert UnexpectedPayment();
    }

    // ------------------------------------------------------------- governance

    function setMinFeePerProver(uint256 fee) external {
        if (msg.sender != owner) revert NotOwner();
        emit FeeFloorChanged(minFeePerProver, fee);
        minFeePerProver = fee;
    }

    /// Enabling or disabling an aggregator takes effect only through `activateAggregator` after `aggregatorDelay`,
    /// so consumers and challengers see a swap coming.
    function proposeAggregator(address aggregator_, bool enabled) external {
        if (msg.sender != owner) revert NotOwner();
        if (aggregator_ == address(0)) revert ZeroAddress();
        uint64 when = uint64(block.timestamp) + aggregatorDelay;
        proposedEnabled[aggregator_] = enabled;
        proposalActivatableAt[aggregator_] = when;
        emit AggregatorProposed(aggregator_, enabled, when);
    }

    /// Anyone may carry out a proposal once its delay has passed.
    function activateAggregator(address aggregator_) external {
        uint64 when = proposalActivatableAt[aggregator_];
        if (when == 0) revert NoProposal();
        if (block.timestamp < when) revert AggregatorDelayNotElapsed(when);
        bool enabled = proposedEnabled[aggregator_];
        delete proposalActivatableAt[aggregator_];
        delete proposedEnabled[aggregator_];
        _aggregators[aggregator_].enabled = enabled;
        emit AggregatorChanged(aggregator_, enabled);
    }

    /// Anyone may add to an aggregator's bond (a deployer funds the first one); only the aggregator withdraws it.
    function bondAggregator(address aggregator_) external payable {
        AggregatorInfo storage a = _aggregators[aggregator_];
        if (a.unbonding) revert NotUnbonding();
        a.bond += msg.value;
        emit AggregatorBonded(aggregator_, msg.value, a.bond);
    }

    /// Stops fulfilling at once; the bond leaves after the last challenge window of its fulfilments has closed.
    function requestAggregatorUnbond() external {
        AggregatorInfo storage a = _aggregators[msg.sender];
        if (a.bond == 0) revert NothingToWithdraw();
        uint64 when = uint64(block.timestamp) + challengeWindow;
        if (a.lastChallengeDeadline > when) when = a.lastChallengeDeadline;
        a.unbonding = true;
        a.unbondableAt = when;
        emit AggregatorUnbondRequested(msg.sender, when);
    }

    function withdrawAggregatorBond() external nonReentrant {
        AggregatorInfo storage a = _aggregators[msg.sender];
        if (!a.unbonding) revert NotUnbonding();
        if (block.timestamp < a.unbondableAt) revert UnbondDelayNotElapsed(a.unbondableAt);
        uint256 amount = a.bond;
        a.bond = 0;
        a.unbonding = false;
        a.unbondableAt = 0;
        emit AggregatorBondWithdrawn(msg.sender, amount);
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    function isActiveAggregator(address account) public view returns (bool) {
        AggregatorInfo storage a = _aggregators[account];
        return a.enabled && !a.unbonding && a.bond >= minAggregatorBond && a.bond > 0;
    }

    function aggregatorInfo(address account) external view returns (AggregatorInfo memory) {
        return _aggregators[account];
    }

    // ---------------------------------------------------------------- request

    /// requestId = keccak256(abi.encode(block.chainid, address(this), nonce, msg.sender, specHash)). No randomness is
    /// read here: the committee is drawn later by `assign`, from a block hash that does not exist yet.
    function request(bytes32 specHash, string calldata specCid, RequestParams calldata p)
        external
        payable
        returns (bytes32 requestId)
    {
        if (p.quorum == 0) revert InvalidQuorum();
        if (p.policy > 3 || p.minAgreement > p.quorum || p.bandBps > BPS) revert InvalidPolicy();
        if (p.deadline <= block.timestamp) revert DeadlineInPast();
        uint64 maxDeadline = uint64(block.timestamp) + maxDeadlineWindow;
        if (p.deadline > maxDeadline) revert DeadlineTooFar(maxDeadline);
        uint256 active = registry.activeCount();
        if (active < 2) revert NotEnoughOperators(active);
        if (p.quorum > active) revert QuorumTooLarge(p.quorum, active);
        uint256 required = minFeePerProver * sampleSize(p.quorum, active);
        if (msg.value < required) revert FeeTooLow(required);

        requestId = keccak256(abi.encode(block.chainid, address(this), nonce++, msg.sender, specHash));
        Request storage r = _requests[requestId];
        r.consumer = msg.sender;
        r.deadline = p.deadline;
        r.quorum = p.quorum;
        r.policy = p.policy;
        r.minAgreement = p.minAgreement;
        r.bandBps = p.bandBps;
        r.status = RequestStatus.Pending;
        r.createdAt = uint64(block.timestamp);
        r.randomnessBlock = uint64(block.number) + assignDelay;
        r.fee = msg.value;
        r.specHash = specHash;
        r.specCid = specCid;
        emit DataRequested(requestId, msg.sender, specHash, specCid, p, msg.value, r.randomnessBlock);
    }

    // ------------------------------------------------------------- assignment

    /// Anyone (operators, the aggregator, the consumer) may draw the committee once block.number > randomnessBlock.
    /// The first call wins; there is no cancel and no re-draw. After 256 blocks the hash is gone: the request is
    /// retargeted to a future block (only possible when nobody assigned for 256 blocks).
    function assign(bytes32 requestId) external {
        Request storage r = _requests[requestId];
        _requirePending(r);
        if (r.assigned) revert AlreadyAssigned();
        if (block.timestamp > r.deadline) revert DeadlinePassed();
        uint64 rb = r.randomnessBlock;
        if (block.number <= rb) revert AssignmentNotReady(rb);
        bytes32 entropy = _randomness(rb);
        if (entropy == bytes32(0)) {
            r.randomnessBlock = uint64(block.number) + assignDelay;
            emit AssignmentRetargeted(requestId, r.randomnessBlock);
            return;
        }
        address[] memory active = registry.activeOperators();
        if (active.length < 2) revert NotEnoughOperators(active.length);
        if (r.quorum > active.length) revert QuorumTooLarge(r.quorum, active.length);
        bytes32 seed = keccak256(abi.encode(entropy, requestId));
        (address[] memory provers, address[] memory notaries) =
            HubLogic.drawCommittee(seed, active, sampleSize(r.quorum, active.length));
        r.assigned = true;
        r.seed = seed;
        _provers[requestId] = provers;
        mapping(address => address) storage notaryOf = _notaryOf[requestId];
        for (uint256 i; i < provers.length; ++i) notaryOf[provers[i]] = notaries[i];
        registry.lockAssignments(provers, notaries);
        emit Assigned(requestId, provers, notaries, seed);
    }

    /// The draw's entropy: blockhash(randomnessBlock), 0 once it aged out. A VRF/beacon adapter replaces this.
    function _randomness(uint64 randomnessBlock) internal view returns (bytes32) {
        return blockhash(randomnessBlock);
    }

    /// min(quorum + floor(quorum / 2), activeCount). At most 382 (quorum 255).
    function sampleSize(uint8 quorum, uint256 activeCount) public pure returns (uint256) {
        uint256 size = uint256(quorum) + quorum / 2;
        return size < activeCount ? size : activeCount;
    }

    /// Proof of sampling, a pure function of (seed, operators, quorum): see HubLogic.drawCommittee.
    /// core/chain/assignment.ts is the TypeScript twin, tested equal.
    function computeAssignment(bytes32 seed, address[] memory operators, uint8 quorum)
        external
        pure
        returns (address[] memory provers, address[] memory notaries)
    {
        if (quorum == 0) revert InvalidQuorum();
        if (operators.length < 2) revert NotEnoughOperators(operators.length);
        if (quorum > operators.length) revert QuorumTooLarge(quorum, operators.length);
        return HubLogic.drawCommittee(seed, operators, sampleSize(quorum, operators.length));
    }

    // ---------------------------------------------------------------- respond

    /// msg.sender is an assigned prover, att.notary its assigned notary, both still bonded, att.specHash the
    /// request's, before the deadline.
    function respond(bytes32 requestId, string calldata bundleCid, Attestation calldata att, bytes calldata notarySig)
        external
    {
        Request storage r = _requests[requestId];
        _requirePending(r);
        if (block.timestamp > r.deadline) revert DeadlinePassed();
        address notary = _notaryOf[requestId][msg.sender];
        if (notary == address(0)) revert NotAssigned();
        if (_responseIndex[requestId][msg.sender] != 0) revert AlreadyResponded();
        if (att.requestId != requestId || att.prover != msg.sender) revert AttestationMismatch();
        if (att.specHash != r.specHash) revert WrongSpec();
        if (att.notary != notary) revert WrongNotary();
        if (registry.bondOf(msg.sender) == 0) revert NotBonded(msg.sender);
        if (registry.bondOf(notary) == 0) revert NotBonded(notary);
        if (SignatureRecovery.tryRecover(_attestationDigest(att), notarySig) != notary) revert BadNotarySignature();

        _responses[requestId].push(
            Response({
                prover: msg.sender,
                notary: notary,
                respondedAt: uint64(block.timestamp),
                included: false,
                resultHash: att.resultHash,
                numericValue: att.numericValue,
                bundleCid: bundleCid
            })
        );
        _responseIndex[requestId][msg.sender] = _responses[requestId].length;
        unchecked {
            ++r.responseCount;
        }
        emit ResponseSubmitted(requestId, msg.sender, notary, att.resultHash, att.numericValue, bundleCid);
    }

    // ---------------------------------------------------------------- fulfill

    /// Any active, bonded aggregator may fulfil while the request is pending (even after the deadline, until someone
    /// expires it); the first valid fulfilment wins. The hub checks `valueHash` against the included responses under
    /// the request's policy (HubLogic.checkPolicy) before anything is paid.
    function fulfill(
        bytes32 requestId,
        bytes32 merkleRoot,
        string calldata reportCid,
        address[] calldata included,
        bytes32 valueHash,
        uint32 recordCount
    ) external nonReentrant {
        if (!isActiveAggregator(msg.sender)) revert NotAggregator();
        Request storage r = _requests[requestId];
        _requirePending(r);
        if (included.length < r.quorum) revert QuorumNotMet(included.length, r.quorum);
        if (recordCount == 0) revert InvalidRecordCount();
        r.recordCount = recordCount;

        r.valueHash = valueHash;
        r.numericValue = _checkAndPay(requestId, r, included);
        r.status = RequestStatus.Fulfilled;
        r.merkleRoot = merkleRoot;
        r.reportCid = reportCid;
        r.aggregator = msg.sender;
        uint64 challengeDeadline = uint64(block.timestamp) + challengeWindow;
        r.challengeDeadline = challengeDeadline;
        AggregatorInfo storage a = _aggregators[msg.sender];
        if (challengeDeadline > a.lastChallengeDeadline) a.lastChallengeDeadline = challengeDeadline;
        _release(requestId);
        _emitFulfilled(requestId, r, included);

        address consumer = r.consumer;
        if (consumer.code.length > 0) _callBack(requestId, consumer, r);
    }

    function _checkAndPay(bytes32 requestId, Request storage r, address[] calldata included) private returns (int256) {
        bytes32[] memory hashes = new bytes32[](included.length);
        int256[] memory numbers = new int256[](included.length);
        _payOut(requestId, r.fee, included, hashes, numbers);
        return HubLogic.checkPolicy(r.policy, r.quorum, r.minAgreement, r.bandBps, r.valueHash, hashes, numbers);
    }

    function _emitFulfilled(bytes32 requestId, Request storage r, address[] calldata included) private {
        emit RequestFulfilled(
            requestId,
            msg.sender,
            r.merkleRoot,
            r.valueHash,
            r.numericValue,
            r.reportCid,
            included,
            r.challengeDeadline
        );
    }

    /// Credits the fee split and marks each included response, collecting its hashes and numbers for the policy
    /// check; reverts on a prover that did not respond or is listed twice.
    function _payOut(
        bytes32 requestId,
        uint256 fee,
        address[] calldata included,
        bytes32[] memory hashes,
        int256[] memory numbers
    ) private {
        uint256 k = included.length;
        uint256 proverPool = (fee * PROVER_SHARE_BPS) / BPS;
        uint256 proverEach = proverPool / k;
        uint256 notaryEach = (fee - proverPool) / k;
        Response[] storage rs = _responses[requestId];
        mapping(address => uint256) storage index = _responseIndex[requestId];
        for (uint256 i; i < k; ++i) {
            address prover = included[i];
            uint256 idx = index[prover];
            if (idx == 0) revert NotResponded(prover);
            Response storage resp = rs[idx - 1];
            if (resp.included) revert DuplicateIncluded(prover);
            resp.included = true;
            hashes[i] = resp.resultHash;
            numbers[i] = resp.numericValue;
            _credit(prover, proverEach);
            _credit(resp.notary, notaryEach);
        }
        uint256 remainder = fee - (proverEach + notaryEach) * k;
        if (remainder > 0) _credit(included[0], remainder);
    }

    function _callBack(bytes32 requestId, address consumer, Request storage r) private {
        // EIP-150 forwards at most 63/64 of what is left; demand enough that the callee really gets the cap
        if (gasleft() < (uint256(callbackGasLimit) * 64) / 63 + 10_000) revert InsufficientCallbackGas();
        bytes memory data = abi.encodeCall(
            IVeritasConsumer.onVeritasFulfilled,
            (requestId, r.merkleRoot, r.valueHash, r.numericValue, r.challengeDeadline)
        );
        uint256 gasCap = callbackGasLimit;
        bool ok;
        assembly ("memory-safe") {
            // no return data is copied: a callee cannot grief us with a huge revert reason
            ok := call(gasCap, consumer, 0, add(data, 0x20), mload(data), 0, 0)
        }
        if (!ok) emit CallbackFailed(requestId, consumer);
    }

    // -------------------------------------------------------------- challenge

    /// A leaf of the fulfilled root (HubLogic.recordLeaf) whose value hash differs from the accepted one, or whose
    /// index is at or beyond the declared `recordCount`, proves the aggregator committed records the hub did not
    /// accept (or the report hides): its whole bond is slashed, `reporterRewardBps` to the
    /// challenger (any account, another aggregator included). Once per request, during the challenge window.
    function challengeFulfillment(
        bytes32 requestId,
        uint256 index,
        bytes32 leafValueHash,
        bytes32 recordHash,
        bytes32[] calldata proof
    ) external nonReentrant {
        Request storage r = _requests[requestId];
        if (r.status != RequestStatus.Fulfilled) revert NotFulfilled();
        if (block.timestamp > r.challengeDeadline) revert ChallengeWindowClosed();
        if (r.challenged) revert AlreadyChallenged();
        // a leaf within the declared records must contradict the accepted value; one beyond them is itself the lie
        if (index < r.recordCount && leafValueHash == r.valueHash) revert NoContradiction();
        bytes32 leaf = HubLogic.recordLeaf(requestId, index, leafValueHash, recordHash);
        if (HubLogic.processProof(proof, leaf) != r.merkleRoot) revert InvalidProof();
        r.challenged = true;
        AggregatorInfo storage a = _aggregators[r.aggregator];
        uint256 slashed = a.bond;
        a.bond = 0;
        uint256 reward = (slashed * reporterRewardBps) / BPS;
        burned += slashed - reward;
        if (reward > 0) _credit(msg.sender, reward);
        emit FulfillmentChallenged(requestId, r.aggregator, msg.sender, slashed, reward);
    }

    // ----------------------------------------------------------------- expire

    /// Anyone may expire a pending request once its deadline has passed; the fee is credited to the consumer once.
    function expire(bytes32 requestId) external nonReentrant {
        Request storage r = _requests[requestId];
        _requirePending(r);
        if (block.timestamp <= r.deadline) revert NotExpired();
        r.status = RequestStatus.Expired;
        if (r.assigned) _release(requestId);
        uint256 refund = r.fee;
        _credit(r.consumer, refund);
        emit RequestExpired(requestId, r.consumer, refund);
    }

    function _release(bytes32 requestId) private {
        address[] storage provers = _provers[requestId];
        uint256 m = provers.length;
        address[] memory ps = new address[](m);
        address[] memory ns = new address[](m);
        mapping(address => address) storage notaryOf = _notaryOf[requestId];
        for (uint256 i; i < m; ++i) {
            ps[i] = provers[i];
            ns[i] = notaryOf[ps[i]];
        }
        registry.releaseAssignments(ps, ns);
    }

    // --------------------------------------------------------------- payments

    function withdraw() external nonReentrant {
        uint256 amount = _balances[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        _balances[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    function balanceOf(address account) external view returns (uint256) {
        return _balances[account];
    }

    // --------------------------------------------------------------- evidence

    /// Two attestations signed by one notary for the same (requestId, prover) that disagree on recvHash or
    /// resultHash: the notary attested two different server responses, which an honest notary never does.
    function reportEquivocation(Attestation calldata a, bytes calldata sigA, Attestation calldata b, bytes calldata sigB)
        external
        nonReentrant
    {
        if (a.requestId != b.requestId || a.prover != b.prover || a.notary != b.notary) revert EvidenceNotComparable();
        if (a.recvHash == b.recvHash && a.resultHash == b.resultHash) revert NoEquivocation();
        address notary = a.notary;
        if (notary == address(0)) revert BadNotarySignature();
        if (SignatureRecovery.tryRecover(_attestationDigest(a), sigA) != notary) revert BadNotarySignature();
        if (SignatureRecovery.tryRecover(_attestationDigest(b), sigB) != notary) revert BadNotarySignature();
        bytes32 key = keccak256(abi.encode(a.requestId, a.prover, notary));
        if (evidenceUsed[key]) revert EvidenceAlreadyUsed();
        evidenceUsed[key] = true;

        uint256 amount = (registry.bondOf(notary) * slashBps) / BPS;
        uint256 slashed = registry.slash(notary, amount, "equivocation");
        uint256 reward = (slashed * reporterRewardBps) / BPS;
        burned += slashed - reward;
        if (reward > 0) _credit(msg.sender, reward);
        emit EquivocationReported(a.requestId, a.prover, notary, msg.sender, slashed, reward);
    }

    // ------------------------------------------------------------------ views

    /// The committee snapshotted at `assign`: verification reads this, never the registry's current state.
    function assignment(bytes32 requestId) external view returns (address[] memory provers, address[] memory notaries) {
        provers = _provers[requestId];
        notaries = new address[](provers.length);
        mapping(address => address) storage notaryOf = _notaryOf[requestId];
        for (uint256 i; i < provers.length; ++i) notaries[i] = notaryOf[provers[i]];
    }

    function isAssigned(bytes32 requestId, address prover) external view returns (bool assigned, address notary) {
        notary = _notaryOf[requestId][prover];
        assigned = notary != address(0);
    }

    function getRequest(bytes32 requestId) external view returns (Request memory) {
        return _requests[requestId];
    }

    /// Reverts with NotResponded(prover) when there is no such response.
    function getResponse(bytes32 requestId, address prover) external view returns (Response memory) {
        uint256 idx = _responseIndex[requestId][prover];
        if (idx == 0) revert NotResponded(prover);
        return _responses[requestId][idx - 1];
    }

    function responses(bytes32 requestId) external view returns (Response[] memory) {
        return _responses[requestId];
    }

    function attestationDigest(Attestation calldata att) external view returns (bytes32) {
        return _attestationDigest(att);
    }

    /// The Merkle leaf of one record, as core/merkle.ts builds it.
    function recordLeaf(bytes32 requestId, uint256 index, bytes32 valueHash, bytes32 recordHash)
        external
        pure
        returns (bytes32)
    {
        return HubLogic.recordLeaf(requestId, index, valueHash, recordHash);
    }

    function domainSeparator() public view returns (bytes32) {
        return block.chainid == _cachedChainId ? _cachedDomainSeparator : _buildDomainSeparator();
    }

    // -------------------------------------------------------------- internals

    function _requirePending(Request storage r) private view {
        RequestStatus s = r.status;
        if (s == RequestStatus.Pending) return;
        if (s == RequestStatus.None) revert UnknownRequest();
        if (s == RequestStatus.Fulfilled) revert AlreadyFulfilled();
        revert AlreadyExpired();
    }

    function _credit(address account, uint256 amount) private {
        if (amount == 0) return;
        _balances[account] += amount;
        emit Credited(account, amount);
    }

    /// EIP-712: keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(att)); every field is static, so hashStruct is
    /// keccak256(abi.encode(typehash, fields…)) and abi.encode of the calldata struct lays the fields out in order.
    function _attestationDigest(Attestation calldata att) private view returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(ATTESTATION_TYPEHASH, att));
        return keccak256(abi.encodePacked(hex"1901", domainSeparator(), structHash));
    }

    function _buildDomainSeparator() private view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }
}
