// SPDX-License-Identifier: Apache-2.0
// Feeds (recurring requests any account may poke, paid from an escrow) and datasets (an on-chain incremental Merkle
// accumulator over the roots of their sources' fulfilled requests): the versioned history nobody can rewrite.
pragma solidity ^0.8.24;

import {IOracleHub} from "./interfaces/IOracleHub.sol";
import {ReentrancyGuard} from "./lib/ReentrancyGuard.sol";

/// A feed is a spec *template* (no deadline inside: each round's deadline is set here, on-chain), a schedule
/// (round k is due from `firstRound + k * interval`, until `end`), request terms and an escrowed budget. `poke`
/// by anyone opens the current round through the hub's normal `request` (same assignment, verification and
/// fulfilment as any request) and pays the poker a tip from the escrow; no keeper is trusted, and a stopped keeper
/// never stops the feed. A round nobody poked in time is skipped: `poke` always opens the *current* round, so
/// missed rounds are never bunched.
///
/// A dataset groups sources (feeds, or one-shot requests their consumer adds). `appendRound` (permissionless: a
/// pull, so no callback gas limit matters) reads a fulfilled source request's Merkle root from the hub and appends
/// leaf keccak256(abi.encode(requestId, root)) to the dataset's depth-32 incremental Merkle tree (positional hashing,
/// zero subtrees as in the eth2 deposit contract); version k is the root after k appends. A record's dataset proof
/// is its request proof plus its request root's path in the version root: `verifyRecord` checks both.
contract DatasetRegistry is ReentrancyGuard {
    uint256 public constant DEPTH = 32;

    /// What every round of a feed asks the hub for. `window`: seconds from opening to the round's deadline.
    /// policy/minAgreement/bandBps are the v2 hub's RequestParams (docs/PROTOCOL.md), kept so the merge with it
    /// changes `_openRequest` only.
    struct RequestTerms {
        uint8 quorum;
        uint8 policy;
        uint8 minAgreement;
        uint16 bandBps;
        uint64 window;
    }

    struct Feed {
        address owner;
        bool paused;
        bool cancelled;
        uint64 interval;
        uint64 firstRound;
        /// 0: no end; otherwise rounds starting at or after `end` are never due
        uint64 end;
        /// the lowest round number that may still be opened (one past the last opened round)
        uint64 nextRound;
        uint64 rounds;
        RequestTerms terms;
        bytes32 specHash;
        uint256 feePerRound;
        uint256 escrow;
        string specCid;
    }

    struct Dataset {
        address owner;
        uint64 version;
        uint64 recordCount;
        bytes32 root;
        string metadataCid;
    }

    struct FeedRound {
        uint256 feedId;
        uint64 round;
        bool exists;
    }

    IOracleHub public immutable hub;
    /// wei paid from the feed's escrow to whoever opens a round
    uint256 public immutable pokeTip;

    uint256 public feedCount;
    uint256 public datasetCount;
    mapping(uint256 => Feed) private _feeds;
    mapping(uint256 => Dataset) private _datasets;
    mapping(bytes32 => FeedRound) private _roundOf;
    mapping(uint256 => bytes32[DEPTH]) private _branch;
    mapping(uint256 => mapping(uint64 => bytes32)) private _versionRoot;
    mapping(uint256 => mapping(uint256 => bool)) public feedIsSource;
    mapping(uint256 => mapping(bytes32 => bool)) public requestIsSource;
    mapping(uint256 => mapping(bytes32 => bool)) public appended;
    /// the root of the empty accumulator (zero subtree of height 32)
    bytes32 public immutable emptyRoot;

    event FeedCreated(uint256 indexed feedId, address indexed owner, bytes32 specHash, string specCid);
    event FeedPoked(
        uint256 indexed feedId, uint64 indexed round, bytes32 indexed requestId, address poker, uint256 tip
    );
    event FeedToppedUp(uint256 indexed feedId, address indexed from, uint256 amount, uint256 escrow);
    event FeedPaused(uint256 indexed feedId, bool paused);
    event FeedCancelled(uint256 indexed feedId, uint256 refund);
    event DatasetCreated(uint256 indexed datasetId, address indexed owner, string metadataCid);
    event SourceAdded(uint256 indexed datasetId, uint256 feedId, bytes32 requestId);
    event RoundAppended(uint256 indexed datasetId, uint64 index, bytes32 indexed requestId, bytes32 requestRoot);
    /// `recordCount`: the records of every appended request, as each was declared to the hub at fulfil.
    event DatasetVersion(uint256 indexed datasetId, uint64 version, bytes32 root, uint64 recordCount);

    error NotOwner();
    error UnknownFeed();
    error UnknownDataset();
    error InvalidSchedule();
    error InvalidTerms();
    error FeedInactive();
    error FeedEnded();
    error NotDue(uint64 dueAt);
    error InsufficientEscrow(uint256 needed, uint256 escrow);
    error NotRequestConsumer();
    error NotASource();
    error NotFulfilled();
    error AlreadyAppended();
    error AccumulatorFull();
    error UnknownVersion();
    error TransferFailed();

    constructor(IOracleHub hub_, uint256 pokeTip_) {
        hub = hub_;
        pokeTip = pokeTip_;
        bytes32 zero;
        for (uint256 h; h < DEPTH; ++h) {
            zero = keccak256(abi.encode(zero, zero));
        }
        emptyRoot = zero;
    }

    // ------------------------------------------------------------------ feeds

    /// Creates a feed; `msg.value` is its escrow (top it up later with `topUp`).
    function createFeed(
        bytes32 specHash,
        string calldata specCid,
        RequestTerms calldata terms,
        uint256 feePerRound,
        uint64 interval,
        uint64 firstRound,
        uint64 end
    ) external payable returns (uint256 feedId) {
        if (interval == 0 || (end != 0 && end <= firstRound)) revert InvalidSchedule();
        if (terms.quorum == 0 || terms.window == 0) revert InvalidTerms();
        feedId = ++feedCount;
        Feed storage f = _feeds[feedId];
        f.owner = msg.sender;
        f.specHash = specHash;
        f.specCid = specCid;
        f.terms = terms;
        f.feePerRound = feePerRound;
        f.interval = interval;
        f.firstRound = firstRound;
        f.end = end;
        f.escrow = msg.value;
        emit FeedCreated(feedId, msg.sender, specHash, specCid);
        if (msg.value > 0) emit FeedToppedUp(feedId, msg.sender, msg.value, msg.value);
    }

    /// The round due now and when it became due; reverts when no round is due (with the time the next one is).
    function dueRound(uint256 feedId) public view returns (uint64 round, uint64 dueAt) {
        Feed storage f = _feed(feedId);
        if (f.cancelled || f.paused) revert FeedInactive();
        if (block.timestamp < f.firstRound) revert NotDue(f.firstRound + f.nextRound * f.interval);
        round = uint64((block.timestamp - f.firstRound) / f.interval);
        dueAt = f.firstRound + round * f.interval;
        if (f.end != 0 && dueAt >= f.end) revert FeedEnded();
        if (round < f.nextRound) {
            uint64 next = f.firstRound + f.nextRound * f.interval;
            if (f.end != 0 && next >= f.end) revert FeedEnded();
            revert NotDue(next);
        }
    }

    /// Opens the current round's request through the hub, paying the fee and the caller's tip from the escrow.
    function poke(uint256 feedId) external nonReentrant returns (bytes32 requestId) {
        (uint64 round,) = dueRound(feedId);
        Feed storage f = _feeds[feedId];
        uint256 cost = f.feePerRound + pokeTip;
        if (f.escrow < cost) revert InsufficientEscrow(cost, f.escrow);
        f.escrow -= cost;
        f.nextRound = round + 1; // rounds nobody poked in time are skipped, never opened late
        f.rounds += 1;
        requestId = _openRequest(f.specHash, f.specCid, f.terms, uint64(block.timestamp) + f.terms.window, f.feePerRound);
        _roundOf[requestId] = FeedRound(feedId, round, true);
        emit FeedPoked(feedId, round, requestId, msg.sender, pokeTip);
        if (pokeTip > 0) _pay(msg.sender, pokeTip);
    }

    function topUp(uint256 feedId) external payable {
        Feed storage f = _feed(feedId);
        if (f.cancelled) revert FeedInactive();
        f.escrow += msg.value;
        emit FeedToppedUp(feedId, msg.sender, msg.value, f.escrow);
    }

    function setPaused(uint256 feedId, bool paused) external {
        Feed storage f = _ownedFeed(feedId);
        if (f.cancelled) revert FeedInactive();
        f.paused = paused;
        emit FeedPaused(feedId, paused);
    }

    /// Ends the feed for good and refunds the unspent escrow to its owner (rounds already opened run to the end).
    function cancel(uint256 feedId) external nonReentrant {
        Feed storage f = _ownedFeed(feedId);
        if (f.cancelled) revert FeedInactive();
        uint256 refund = f.escrow;
        f.cancelled = true;
        f.escrow = 0;
        emit FeedCancelled(feedId, refund);
        if (refund > 0) _pay(f.owner, refund);
    }

    function getFeed(uint256 feedId) external view returns (Feed memory) {
        return _feed(feedId);
    }

    /// Which feed round opened `requestId` (exists = false for a request no feed opened).
    function roundOf(bytes32 requestId) external view returns (FeedRound memory) {
        return _roundOf[requestId];
    }

    // --------------------------------------------------------------- datasets

    /// Creates a dataset with its first sources: feeds the caller owns, and fulfilled-or-pending requests the
    /// caller is the consumer of (one transaction for many sources).
    function createDataset(string calldata metadataCid, uint256[] calldata feedIds, bytes32[] calldata requestIds)
        external
        returns (uint256 datasetId)
    {
        datasetId = ++datasetCount;
        Dataset storage d = _datasets[datasetId];
        d.owner = msg.sender;
        d.metadataCid = metadataCid;
        d.root = emptyRoot;
        emit DatasetCreated(datasetId, msg.sender, metadataCid);
        _addSources(datasetId, feedIds, requestIds);
    }

    function addSources(uint256 datasetId, uint256[] calldata feedIds, bytes32[] calldata requestIds) external {
        if (_dataset(datasetId).owner != msg.sender) revert NotOwner();
        _addSources(datasetId, feedIds, requestIds);
    }

    /// Appends a fulfilled source request's root (anyone may call: the data comes from the hub, not the caller).
    function appendRound(uint256 datasetId, bytes32 requestId) external returns (uint64 version, bytes32 root) {
        Dataset storage d = _dataset(datasetId);
        FeedRound storage fr = _roundOf[requestId];
        if (!requestIsSource[datasetId][requestId] && !(fr.exists && feedIsSource[datasetId][fr.feedId])) {
            revert NotASource();
        }
        if (appended[datasetId][requestId]) revert AlreadyAppended();
        (bytes32 requestRoot, uint32 records) = _fulfilled(requestId);
        appended[datasetId][requestId] = true;
        uint64 index = d.version;
        if (index >= type(uint32).max) revert AccumulatorFull();
        root = _insert(datasetId, index, keccak256(abi.encode(requestId, requestRoot)));
        version = index + 1;
        d.version = version;
        // the records the hub holds the aggregator to (a leaf beyond them is slashable there)
        d.recordCount += records;
        d.root = root;
        _versionRoot[datasetId][version] = root;
        emit RoundAppended(datasetId, index, requestId, requestRoot);
        emit DatasetVersion(datasetId, version, root, d.recordCount);
    }

    function getDataset(uint256 datasetId) external view returns (Dataset memory) {
        return _dataset(datasetId);
    }

    function versionRoot(uint256 datasetId, uint64 version) public view returns (bytes32 root) {
        root = _versionRoot[datasetId][version];
        if (root == bytes32(0)) revert UnknownVersion();
    }

    /// The root the accumulator proof of leaf `index` leads to (positional: bit h of `index` = right child at h).
    function accumulatorRoot(bytes32 leaf, uint256 index, bytes32[] calldata proof) public pure returns (bytes32 node) {
        if (proof.length != DEPTH) return bytes32(0);
        node = leaf;
        for (uint256 h; h < DEPTH; ++h) {
            node = (index >> h) & 1 == 0 ? keccak256(abi.encode(node, proof[h])) : keccak256(abi.encode(proof[h], node));
        }
    }

    /// The dataset proof of one record: its leaf in its request's tree (sorted-pair proof, as MerkleVerifier) gives
    /// the request root; that root's leaf at `roundIndex` in the accumulator must give version `version`'s root.
    function verifyDatasetProof(
        uint256 datasetId,
        uint64 version,
        bytes32 requestId,
        bytes32 recordLeaf,
        bytes32[] calldata requestProof,
        uint256 roundIndex,
        bytes32[] calldata datasetProof
    ) public view returns (bool) {
        if (roundIndex >= version) return false;
        bytes32 requestRoot = recordLeaf;
        for (uint256 i; i < requestProof.length; ++i) {
            requestRoot = _hashSorted(requestRoot, requestProof[i]);
        }
        bytes32 leaf = keccak256(abi.encode(requestId, requestRoot));
        return accumulatorRoot(leaf, roundIndex, datasetProof) == versionRoot(datasetId, version);
    }

    /// `verifyDatasetProof` from the record's own fields, with the hub's leaf encoding.
    function verifyRecord(
        uint256 datasetId,
        uint64 version,
        bytes32 requestId,
        uint256 index,
        bytes32 recordHash,
        bytes32[] calldata requestProof,
        uint256 roundIndex,
        bytes32[] calldata datasetProof
    ) external view returns (bool) {
        bytes32 leaf = _recordLeaf(requestId, index, recordHash);
        return verifyDatasetProof(datasetId, version, requestId, leaf, requestProof, roundIndex, datasetProof);
    }

    // ----------------------------------------------------------- hub adapter

    // The only places that know the hub's interface: the v2 hub (docs/PROTOCOL.md) changes these three.
    function _openRequest(
        bytes32 specHash,
        string storage specCid,
        RequestTerms storage terms,
        uint64 deadline,
        uint256 fee
    ) internal returns (bytes32) {
        return hub.request{value: fee}(
            specHash,
            specCid,
            IOracleHub.RequestParams({
                quorum: terms.quorum,
                policy: terms.policy,
                minAgreement: terms.minAgreement,
                bandBps: terms.bandBps,
                deadline: deadline
            })
        );
    }

    function _fulfilled(bytes32 requestId) internal view returns (bytes32 root, uint32 recordCount) {
        IOracleHub.Request memory r = hub.getRequest(requestId);
        if (r.status != IOracleHub.RequestStatus.Fulfilled) revert NotFulfilled();
        return (r.merkleRoot, r.recordCount);
    }

    /// StandardMerkleTree leaf of (requestId, index, valueHash, recordHash), valueHash being the one the hub
    /// accepted at fulfil (docs/PROTOCOL.md): the same leaf the hub's own challenge and MerkleVerifier check.
    function _recordLeaf(bytes32 requestId, uint256 index, bytes32 recordHash) internal view returns (bytes32) {
        bytes32 valueHash = hub.getRequest(requestId).valueHash;
        return keccak256(bytes.concat(keccak256(abi.encode(requestId, index, valueHash, recordHash))));
    }

    // -------------------------------------------------------------- internals

    function _addSources(uint256 datasetId, uint256[] calldata feedIds, bytes32[] calldata requestIds) private {
        for (uint256 i; i < feedIds.length; ++i) {
            if (_feed(feedIds[i]).owner != msg.sender) revert NotOwner();
            feedIsSource[datasetId][feedIds[i]] = true;
            emit SourceAdded(datasetId, feedIds[i], bytes32(0));
        }
        for (uint256 i; i < requestIds.length; ++i) {
            if (hub.getRequest(requestIds[i]).consumer != msg.sender) revert NotRequestConsumer();
            requestIsSource[datasetId][requestIds[i]] = true;
            emit SourceAdded(datasetId, 0, requestIds[i]);
        }
    }

    // Incremental insert (eth2 deposit contract): one stored left node per level; the root is recomputed over the
    // zero subtrees, which are hashed on the fly (cheaper than 32 cold storage reads).
    function _insert(uint256 datasetId, uint64 index, bytes32 leaf) private returns (bytes32 node) {
        bytes32[DEPTH] storage branch = _branch[datasetId];
        uint256 size = uint256(index) + 1;
        node = leaf;
        for (uint256 h; h < DEPTH; ++h) {
            if ((size >> h) & 1 == 1) {
                branch[h] = node;
                break;
            }
            node = keccak256(abi.encode(branch[h], node));
        }
        node = bytes32(0);
        bytes32 zero;
        for (uint256 h; h < DEPTH; ++h) {
            if ((size >> h) & 1 == 1) node = keccak256(abi.encode(branch[h], node));
            else node = keccak256(abi.encode(node, zero));
            zero = keccak256(abi.encode(zero, zero));
        }
    }

    function _hashSorted(bytes32 a, bytes32 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encode(a, b)) : keccak256(abi.encode(b, a));
    }

    function _pay(address to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }

    function _feed(uint256 feedId) private view returns (Feed storage f) {
        f = _feeds[feedId];
        if (f.owner == address(0)) revert UnknownFeed();
    }

    function _ownedFeed(uint256 feedId) private view returns (Feed storage f) {
        f = _feed(feedId);
        if (f.owner != msg.sender) revert NotOwner();
    }

    function _dataset(uint256 datasetId) private view returns (Dataset storage d) {
        d = _datasets[datasetId];
        if (d.owner == address(0)) revert UnknownDataset();
    }
}
