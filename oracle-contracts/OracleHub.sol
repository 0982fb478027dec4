// SPDX-License-Identifier: Apache-2.0
// The oracle hub: escrowed requests, proof-of-sampling assignment, notarised responses, fulfilment, refunds, slashing.
pragma solidity ^0.8.24;

import {IOracleHub} from "./interfaces/IOracleHub.sol";
import {IOperatorRegistry} from "./interfaces/IOperatorRegistry.sol";
import {IVeritasConsumer} from "./interfaces/IVeritasConsumer.sol";
import {ReentrancyGuard} from "./lib/ReentrancyGuard.sol";
import {SignatureRecovery} from "./lib/SignatureRecovery.sol";

/// Flow: consumer `request`s (fee escrowed) → the hub samples `sampleSize(quorum, n)` provers and, for each, a
/// different notary → each prover `respond`s with an attestation its notary signed (EIP-712, checked here) → the
/// aggregator `fulfill`s with the Merkle root of the verified records, naming at least `quorum` responders as
/// `included` → fee credited to included provers and notaries (pull: `withdraw`). Unfulfilled requests `expire`
/// after the deadline and the fee is credited back to the consumer.
///
/// Over-sampling: a request for `quorum` assigns sampleSize(quorum, n) = min(quorum + floor(quorum / 2), n) provers,
/// n being the number of active operators (quorum 1 → 1, 2 → 3, 3 → 4, 4 → 6, …). Fulfilment still needs only
/// `quorum` included responses. Why: the aggregator must be able to leave out a response whose bundle fails
/// verification, or a median outlier, and still reach a quorum of valid, agreeing responses; with exactly `quorum`
/// provers any exclusion made the request unfulfillable (it could only expire). The extra provers are the slack
/// (none at quorum 1, and less when the active set caps the sample).
///
/// Money never leaves through anything but `withdraw` (pull payments), and every state change happens before the
/// one external call a function makes (checks-effects-interactions), with a reentrancy lock on top.
///
/// Fee split (documented for consumers and operators): PROVER_SHARE_BPS = 70% of the fee is shared equally among the
/// included provers, the other 30% equally among their notaries (an operator notarising twice is paid twice); the
/// rounding remainder goes to the first included prover. Responders left out of `included` get nothing.
///
/// Slashing: a notary that signed two attestations for one (requestId, prover) whose recvHash or resultHash differ
/// loses `slashBps` of its current bond; `reporterRewardBps` of that goes to the reporter, the rest is burned (it
/// stays locked in this contract, accounted in `burned`). Each (requestId, prover, notary) is punishable once.
/// Operators must therefore sign at most one attestation per (requestId, prover): a retry must reuse it.
contract OracleHub is IOracleHub, ReentrancyGuard {
    uint256 public constant PROVER_SHARE_BPS = 7_000;
    uint256 internal constant BPS = 10_000;

    bytes32 public constant ATTESTATION_TYPEHASH = keccak256(
        "Attestation(bytes32 requestId,address prover,address notary,bytes32 serverNameHash,uint64 tlsTime,bytes32 sentHash,bytes32 recvHash,bytes32 resultHash)"
    );
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant NAME_HASH = keccak256("Veritas");
    bytes32 internal constant VERSION_HASH = keccak256("1");

    IOperatorRegistry public immutable registry;
    address public immutable owner;
    uint16 public immutable slashBps;
    uint16 public immutable reporterRewardBps;
    /// gas forwarded to the consumer's callback; fulfil reverts if it cannot forward that much (no griefing by
    /// an aggregator sending too little gas to make callbacks fail on purpose)
    uint32 public immutable callbackGasLimit;

    uint256 private immutable _cachedChainId;
    bytes32 private immutable _cachedDomainSeparator;

    address public aggregator;
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

    constructor(
        IOperatorRegistry registry_,
        address aggregator_,
        uint16 slashBps_,
        uint16 reporterRewardBps_,
        uint32 callbackGasLimit_
    ) {
        if (address(registry_) == address(0) || aggregator_ == address(0)) revert ZeroAddress();
        if (slashBps_ == 0 || slashBps_ > BPS || reporterRewardBps_ > BPS) revert InvalidParameter();
        registry = registry_;
        owner = msg.sender;
        aggregator = aggregator_;
        slashBps = slashBps_;
        reporterRewardBps = reporterRewardBps_;
        callbackGasLimit = callbackGasLimit_;
        _cachedChainId = block.chainid;
        _cachedDomainSeparator = _buildDomainSeparator();
        emit AggregatorChanged(address(0), aggregator_);
    }

    /// Only slashing proceeds from the registry may arrive outside a payable function.
    receive() external payable {
        if (msg.sender != address(registry)) revert UnexpectedPayment();
    }

    function setAggregator(address aggregator_) external {
        if (msg.sender != owner) revert NotOwner();
        if (aggregator_ == address(0)) revert ZeroAddress();
        emit AggregatorChanged(aggregator, aggregator_);
        aggregator = aggregator_;
    }

    // ---------------------------------------------------------------- request

    /// requestId = keccak256(abi.encode(block.chainid, address(this), nonce, msg.sender, specHash)): unique per hub
    /// and chain. It is predictable by design: the randomness lives in the seed, not in the id.
    /// seed = keccak256(abi.encode(block.prevrandao, requestId)); the committee is computeAssignment(seed, active set,
    /// quorum): sampleSize(quorum, active set size) provers, each with its notary.
    function request(bytes32 specHash, string calldata specCid, uint8 quorum, uint64 deadline)
        external
        payable
        returns (bytes32 requestId)
    {
        if (quorum == 0) revert InvalidQuorum();
        if (deadline <= block.timestamp) revert DeadlineInPast();
        address[] memory active = registry.activeOperators();
        if (active.length < 2) revert NotEnoughOperators(active.length);
        if (quorum > active.length) revert QuorumTooLarge(quorum, active.length);

        requestId = keccak256(abi.encode(block.chainid, address(this), nonce++, msg.sender, specHash));
        bytes32 seed = keccak256(abi.encode(block.prevrandao, requestId));
        (address[] memory provers, address[] memory notaries) =
            _computeAssignment(seed, active, sampleSize(quorum, active.length));

        Request storage r = _requests[requestId];
        r.consumer = msg.sender;
        r.deadline = deadline;
        r.quorum = quorum;
        r.status = RequestStatus.Pending;
        r.createdAt = uint64(block.timestamp);
        r.fee = msg.value;
        r.specHash = specHash;
        r.seed = seed;
        r.specCid = specCid;
        _provers[requestId] = provers;
        mapping(address => address) storage notaryOf = _notaryOf[requestId];
        for (uint256 i; i < provers.length; ++i) {
            notaryOf[provers[i]] = notaries[i];
        }

        emit DataRequested(requestId, msg.sender, specHash, specCid, quorum, deadline, msg.value, seed);
        emit Assigned(requestId, provers, notaries);
    }

    // ------------------------------------------------------------- assignment

    /// How many provers a request for `quorum` is assigned among `activeCount` operators:
    /// min(quorum + floor(quorum / 2), activeCount). See the contract comment for why. At most 382 (quorum 255).
    function sampleSize(uint8 quorum, uint256 activeCount) public pure returns (uint256) {
        uint256 size = uint256(quorum) + quorum / 2;
        return size < activeCount ? size : activeCount;
    }

    /// Proof of sampling, a pure function of (seed, operators, quorum) so anyone can recompute it. With n operators
    /// and m = sampleSize(quorum, n):
    ///  1. Provers: a partial Fisher–Yates shuffle of a copy of `operators`. For i = 0 … m-1:
    ///     j = i + uint256(keccak256(abi.encode(seed, uint256(0), i))) % (n - i); swap(pool[i], pool[j]);
    ///     provers[i] = pool[i]. Provers are therefore distinct.
    ///  2. Notaries: with the pool as left by step 1 (pool[i] == provers[i] for i < m), for each i < m:
    ///     k = uint256(keccak256(abi.encode(seed, uint256(1), i))) % (n - 1); notaries[i] = pool[k < i ? k : k + 1],
    ///     i.e. a uniform pick among the n - 1 other operators — never the prover itself (operators are distinct).
    /// Requires n ≥ 2 and 1 ≤ quorum ≤ n. core/chain/assignment.ts is the TypeScript twin, tested equal.
    function computeAssignment(bytes32 seed, address[] memory operators, uint8 quorum)
        external
        pure
        returns (address[] memory provers, address[] memory notaries)
    {
        if (quorum == 0) revert InvalidQuorum();
        if (operators.length < 2) revert NotEnoughOperators(operators.length);
        if (quorum > operators.length) revert QuorumTooLarge(quorum, operators.length);
        address[] memory pool = new address[](operators.length);
        for (uint256 i; i < operators.length; ++i) pool[i] = operators[i];
        return _computeAssignment(seed, pool, sampleSize(quorum, operators.length));
    }

    /// Draws `size` (≤ pool.length) provers and their notaries; shuffles `pool` in place (callers pass a scratch copy).
    function _computeAssignment(bytes32 seed, address[] memory pool, uint256 size)
        internal
        pure
        returns (address[] memory provers, address[] memory notaries)
    {
        uint256 n = pool.length;
        provers = new address[](size);
        notaries = new address[](size);
        for (uint256 i; i < size; ++i) {
            uint256 j = i + uint256(keccak256(abi.encode(seed, uint256(0), i))) % (n - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
            provers[i] = pool[i];
        }
        for (uint256 i; i < size; ++i) {
            uint256 k = uint256(keccak256(abi.encode(seed, uint256(1), i))) % (n - 1);
            notaries[i] = pool[k < i ? k : k + 1];
        }
    }

    // ---------------------------------------------------------------- respond

    function respond(
        bytes32 requestId,
        bytes32 resultHash,
        string calldata bundleCid,
        Attestation calldata att,
        bytes calldata notarySig
    ) external {
        Request storage r = _requests[requestId];
        _requirePending(r);
        if (block.timestamp > r.deadline) revert DeadlinePassed();
        address notary = _notaryOf[requestId][msg.sender];
        if (notary == address(0)) revert NotAssigned();
        if (_responseIndex[requestId][msg.sender] != 0) revert AlreadyResponded();
        if (att.requestId != requestId || att.prover != msg.sender || att.resultHash != resultHash) {
            revert AttestationMismatch();
        }
        if (att.notary != notary) revert WrongNotary();
        if (SignatureRecovery.tryRecover(_attestationDigest(att), notarySig) != notary) revert BadNotarySignature();

        _responses[requestId].push(
            Response({
                prover: msg.sender,
                notary: notary,
                respondedAt: uint64(block.timestamp),
                included: false,
                resultHash: resultHash,
                bundleCid: bundleCid
            })
        );
        _responseIndex[requestId][msg.sender] = _responses[requestId].length;
        unchecked {
            ++r.responseCount; // ≤ sampleSize(quorum, n) ≤ 382 < 2^16: one response per assigned prover
        }
        emit ResponseSubmitted(requestId, msg.sender, notary, resultHash, bundleCid);
    }

    // ---------------------------------------------------------------- fulfill

    /// The aggregator may fulfil while the request is pending, even after the deadline, until someone expires it.
    function fulfill(bytes32 requestId, bytes32 merkleRoot, string calldata reportCid, address[] calldata included)
        external
        nonReentrant
    {
        if (msg.sender != aggregator) revert NotAggregator();
        Request storage r = _requests[requestId];
        _requirePending(r);
        if (included.length < r.quorum) revert QuorumNotMet(included.length, r.quorum);

        // effects: mark, record and credit everything before the callback
        r.status = RequestStatus.Fulfilled;
        r.merkleRoot = merkleRoot;
        r.reportCid = reportCid;
        _payOut(requestId, r.fee, included);
        emit RequestFulfilled(requestId, merkleRoot, reportCid, included);

        // interaction: the consumer's callback, capped, its failure recorded but never fatal
        address consumer = r.consumer;
        if (consumer.code.length > 0) _callBack(requestId, consumer, merkleRoot, reportCid);
    }

    /// Credits the fee split (see the contract comment) and marks each included response; reverts on a prover that
    /// did not respond or is listed twice.
    function _payOut(bytes32 requestId, uint256 fee, address[] calldata included) private {
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
            _credit(prover, proverEach);
            _credit(resp.notary, notaryEach);
        }
        uint256 remainder = fee - (proverEach + notaryEach) * k;
        if (remainder > 0) _credit(included[0], remainder);
    }

    function _callBack(bytes32 requestId, address consumer, bytes32 merkleRoot, string calldata reportCid) private {
        // EIP-150 forwards at most 63/64 of what is left; demand enough that the callee really gets the cap
        if (gasleft() < (uint256(callbackGasLimit) * 64) / 63 + 10_000) revert InsufficientCallbackGas();
        bytes memory data = abi.encodeCall(IVeritasConsumer.onVeritasFulfilled, (requestId, merkleRoot, reportCid));
        uint256 gasCap = callbackGasLimit;
        bool ok;
        assembly ("memory-safe") {
            // no return data is copied: a callee cannot grief us with a huge revert reason
            ok := call(gasCap, consumer, 0, add(data, 0x20), mload(data), 0, 0)
        }
        if (!ok) emit CallbackFailed(requestId, consumer);
    }

    // ----------------------------------------------------------------- expire

    /// Anyone may expire a pending request once its deadline has passed; the fee is credited to the consumer once.
    function expire(bytes32 requestId) external nonReentrant {
        Request storage r = _requests[requestId];
        _requirePending(r);
        if (block.timestamp <= r.deadline) revert NotExpired();
        r.status = RequestStatus.Expired;
        uint256 refund = r.fee;
        _credit(r.consumer, refund);
        emit RequestExpired(requestId, r.consumer, refund);
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

    /// Anyone may submit two attestations signed by one notary for the same (requestId, prover) that disagree on
    /// recvHash or resultHash: the notary attested two different server responses, which an honest notary never does.
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
