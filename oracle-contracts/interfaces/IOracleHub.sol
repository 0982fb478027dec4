// SPDX-License-Identifier: Apache-2.0
// The oracle hub's interface: request/respond/fulfil/expire, the EIP-712 Attestation, assignment views, evidence.
pragma solidity ^0.8.24;

interface IOracleHub {
    /// EIP-712 struct signed by the notary (ARCHITECTURE.md); domain {name: "Veritas", version: "1", chainId, hub}.
    struct Attestation {
        bytes32 requestId;
        address prover;
        address notary;
        bytes32 serverNameHash;
        uint64 tlsTime;
        bytes32 sentHash;
        bytes32 recvHash;
        bytes32 resultHash;
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
        /// responses needed to fulfil; the hub assigns sampleSize(quorum, active operators) ≥ quorum provers
        uint8 quorum;
        /// uint16: over-sampling assigns up to 382 provers (quorum 255)
        uint16 responseCount;
        RequestStatus status;
        uint64 createdAt;
        uint256 fee;
        bytes32 specHash;
        bytes32 seed;
        bytes32 merkleRoot;
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
        string bundleCid;
    }

    event DataRequested(
        bytes32 indexed requestId,
        address indexed consumer,
        bytes32 indexed specHash,
        string specCid,
        uint8 quorum,
        uint64 deadline,
        uint256 fee,
        bytes32 seed
    );
    event Assigned(bytes32 indexed requestId, address[] provers, address[] notaries);
    event ResponseSubmitted(
        bytes32 indexed requestId,
        address indexed prover,
        address indexed notary,
        bytes32 resultHash,
        string bundleCid
    );
    event RequestFulfilled(bytes32 indexed requestId, bytes32 merkleRoot, string reportCid, address[] included);
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
    event AggregatorChanged(address indexed previous, address indexed aggregator);

    // request
    error InvalidQuorum();
    error QuorumTooLarge(uint256 quorum, uint256 activeOperators);
    error NotEnoughOperators(uint256 activeOperators);
    error DeadlineInPast();
    // respond
    error UnknownRequest();
    error NotAssigned();
    error DeadlinePassed();
    error AlreadyResponded();
    error AttestationMismatch();
    error WrongNotary();
    error BadNotarySignature();
    // fulfil / expire
    error NotAggregator();
    error QuorumNotMet(uint256 included, uint256 quorum);
    error NotResponded(address prover);
    error DuplicateIncluded(address prover);
    error AlreadyFulfilled();
    error AlreadyExpired();
    error NotExpired();
    error InsufficientCallbackGas();
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

    function request(bytes32 specHash, string calldata specCid, uint8 quorum, uint64 deadline)
        external
        payable
        returns (bytes32 requestId);

    function respond(
        bytes32 requestId,
        bytes32 resultHash,
        string calldata bundleCid,
        Attestation calldata att,
        bytes calldata notarySig
    ) external;

    function fulfill(bytes32 requestId, bytes32 merkleRoot, string calldata reportCid, address[] calldata included)
        external;

    function expire(bytes32 requestId) external;

    function withdraw() external;

    function reportEquivocation(Attestation calldata a, bytes calldata sigA, Attestation calldata b, bytes calldata sigB)
        external;

    /// min(quorum + floor(quorum / 2), activeCount): how many provers a request for `quorum` is assigned.
    function sampleSize(uint8 quorum, uint256 activeCount) external pure returns (uint256);

    /// The committee for (seed, operators, quorum): sampleSize(quorum, operators.length) provers and their notaries.
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
}
