// SPDX-License-Identifier: Apache-2.0
// The oracle hub's interface: request/assign/respond/fulfil/challenge/expire, the EIP-712 Attestation v2, views.
pragma solidity ^0.8.24;

interface IOracleHub {
    /// EIP-712 struct signed by the notary (docs/PROTOCOL.md); domain {name: "Veritas", version: "2", chainId, hub}.
    struct Attestation {
        bytes32 requestId;
        bytes32 specHash;
        address prover;
        address notary;
        /// 0 = webpki (Mozilla roots), 1 = devnet (the patched wasm): signed, so not the prover's label
        uint8 trust;
        bytes32 serverNameHash;
        uint64 tlsTime;
        bytes32 sentHash;
        bytes32 recvHash;
        /// keccak256 of the RFC 8785 canonical JSON of the normalized answer
        bytes32 resultHash;
        /// single numbers: the normalized value × 10^precision; 0 otherwise
        int256 numericValue;
    }

    /// policy: 0 exact, 1 mode, 2 median (single number, checked on-chain), 3 element-wise median (not checkable)
    struct RequestParams {
        uint8 quorum;
        uint8 policy;
        uint8 minAgreement;
        uint16 bandBps;
        uint64 deadline;
    }

    /// Deployment constants that are not addresses.
    struct HubConfig {
        uint16 slashBps;
        uint16 reporterRewardBps;
        uint32 callbackGasLimit;
        /// blocks between `request` and the block whose hash seeds the draw
        uint16 assignDelay;
        uint64 maxDeadlineWindow;
        uint64 challengeWindow;
        uint64 aggregatorDelay;
        uint256 minFeePerProver;
        uint256 minAggregatorBond;
    }

    enum RequestStatus {
        None,
        Pending,
        Fulfilled,
        Expired
    }

    struct Request {
        address consumer;
        uint64 deadline;
        uint8 quorum;
        uint8 policy;
        uint8 minAgreement;
        uint16 bandBps;
        /// uint16: over-sampling assigns up to 382 provers (quorum 255)
        uint16 responseCount;
        RequestStatus status;
        bool assigned;
        bool challenged;
        uint64 createdAt;
        /// the block whose hash seeds the committee; `assign` is possible once block.number > randomnessBlock
        uint64 randomnessBlock;
        uint64 challengeDeadline;
        /// how many records the root holds (leaves 0 … recordCount − 1), declared at fulfil: a proven leaf at a
        /// higher index is a record the report hides, and slashes like a contradicting one
        uint32 recordCount;
        /// who fulfilled (its bond answers for the root)
        address aggregator;
        uint256 fee;
        bytes32 specHash;
        bytes32 seed;
        bytes32 merkleRoot;
        bytes32 valueHash;
        int256 numericValue;
        string specCid;
        string reportCid;
    }

    struct Response {
        address prover;
        address notary;
        uint64 respondedAt;
        /// set by `fulfill` when the aggregator counted this response
        bool included;
        bytes32 resultHash;
        int256 numericValue;
        string bundleCid;
    }

    struct AggregatorInfo {
        bool enabled;
        bool unbonding;
        uint64 unbondableAt;
        /// the latest challenge deadline of its fulfilments: the bond cannot leave before it
        uint64 lastChallengeDeadline;
        uint256 bond;
    }

    event DataRequested(
        bytes32 indexed requestId,
        address indexed consumer,
        bytes32 indexed specHash,
        string specCid,
        RequestParams params,
        uint256 fee,
        uint64 randomnessBlock
    );
    event Assigned(bytes32 indexed requestId, address[] provers, address[] notaries, bytes32 seed);
    event AssignmentRetargeted(bytes32 indexed requestId, uint64 randomnessBlock);
    event ResponseSubmitted(
        bytes32 indexed requestId,
        address indexed prover,
        address indexed notary,
        bytes32 resultHash,
        int256 numericValue,
        string bundleCid
    );
    event RequestFulfilled(
        bytes32 indexed requestId,
        address indexed aggregator,
        bytes32 merkleRoot,
        bytes32 valueHash,
        int256 numericValue,
        string reportCid,
        address[] included,
        uint64 challengeDeadline
    );
    event FulfillmentChallenged(
        bytes32 indexed requestId,
        address indexed aggregator,
        address indexed challenger,
        uint256 slashed,
        uint256 reward
    );
    event CallbackFailed(bytes32 indexed requestId, address indexed consumer);
    event RequestExpired(bytes32 indexed requestId, address indexed consumer, uint256 refund);
    event Credited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);
    event EquivocationReported(
        bytes32 indexed requestId,
        address indexed prover,
        address indexed notary,
        address reporter,
        uint256 slashed,
        uint256 reward
    );
    event AggregatorProposed(address indexed aggregator, bool enabled, uint64 activatableAt);
    event AggregatorChanged(address indexed aggregator, bool enabled);
    event AggregatorBonded(address indexed aggregator, uint256 amount, uint256 bond);
    event AggregatorUnbondRequested(address indexed aggregator, uint64 unbondableAt);
    event AggregatorBondWithdrawn(address indexed aggregator, uint256 amount);
    event FeeFloorChanged(uint256 previous, uint256 minFeePerProver);

    // request
    error InvalidQuorum();
    error InvalidPolicy();
    error QuorumTooLarge(uint256 quorum, uint256 activeOperators);
    error NotEnoughOperators(uint256 activeOperators);
    error DeadlineInPast();
    error DeadlineTooFar(uint64 maxDeadline);
    error FeeTooLow(uint256 required);
    // assign
    error AlreadyAssigned();
    error AssignmentNotReady(uint64 randomnessBlock);
    error NotAssignedYet();
    // respond
    error UnknownRequest();
    error NotAssigned();
    error NotBonded(address operator);
    error DeadlinePassed();
    error AlreadyResponded();
    error AttestationMismatch();
    error WrongSpec();
    error WrongNotary();
    error BadNotarySignature();
    // fulfil / expire
    error NotAggregator();
    error QuorumNotMet(uint256 included, uint256 quorum);
    error NotResponded(address prover);
    error DuplicateIncluded(address prover);
    error PolicyViolation(uint8 policy);
    error AlreadyFulfilled();
    error InvalidRecordCount();
    error AlreadyExpired();
    error NotExpired();
    error InsufficientCallbackGas();
    // challenge
    error NotFulfilled();
    error ChallengeWindowClosed();
    error AlreadyChallenged();
    error NoContradiction();
    error InvalidProof();
    // aggregators
    error NoProposal();
    error AggregatorDelayNotElapsed(uint64 activatableAt);
    error BondTooSmall(uint256 bond, uint256 minBond);
    error NotUnbonding();
    error UnbondDelayNotElapsed(uint64 unbondableAt);
    // payments
    error NothingToWithdraw();
    error TransferFailed();
    // evidence
    error EvidenceNotComparable();
    error NoEquivocation();
    error EvidenceAlreadyUsed();
    // admin
    error NotOwner();
    error ZeroAddress();
    error InvalidParameter();
    error UnexpectedPayment();

    function request(bytes32 specHash, string calldata specCid, RequestParams calldata p)
        external
        payable
        returns (bytes32 requestId);

    function assign(bytes32 requestId) external;

    function respond(bytes32 requestId, string calldata bundleCid, Attestation calldata att, bytes calldata notarySig)
        external;

    function fulfill(
        bytes32 requestId,
        bytes32 merkleRoot,
        string calldata reportCid,
        address[] calldata included,
        bytes32 valueHash,
        uint32 recordCount
    ) external;

    function challengeFulfillment(
        bytes32 requestId,
        uint256 index,
        bytes32 leafValueHash,
        bytes32 recordHash,
        bytes32[] calldata proof
    ) external;

    function expire(bytes32 requestId) external;

    function withdraw() external;

    function reportEquivocation(Attestation calldata a, bytes calldata sigA, Attestation calldata b, bytes calldata sigB)
        external;

    function sampleSize(uint8 quorum, uint256 activeCount) external pure returns (uint256);

    function computeAssignment(bytes32 seed, address[] memory operators, uint8 quorum)
        external
        pure
        returns (address[] memory provers, address[] memory notaries);

    function assignment(bytes32 requestId) external view returns (address[] memory provers, address[] memory notaries);
    function isAssigned(bytes32 requestId, address prover) external view returns (bool assigned, address notary);
    function getRequest(bytes32 requestId) external view returns (Request memory);
    function getResponse(bytes32 requestId, address prover) external view returns (Response memory);
    function responses(bytes32 requestId) external view returns (Response[] memory);
    function attestationDigest(Attestation calldata att) external view returns (bytes32);
    function domainSeparator() external view returns (bytes32);
    function balanceOf(address account) external view returns (uint256);
    function isActiveAggregator(address account) external view returns (bool);
    function nonce() external view returns (uint256);
}
