// The PostgreSQL schema (drizzle): requests and their timeline, responses, bundles, records, reports, operators,
// evidence, DatasetRegistry feeds and datasets, and the cursors and job states that let watchers and operators resume after a restart.
//
// Conventions:
// - Hashes, addresses and request ids are lowercase 0x-hex `text`; CIDs are their string form.
// - Wei amounts are `numeric(78, 0)` (uint256 fits; drizzle returns them as decimal strings, never floats).
// - Block numbers and unix-second times are `bigint` read as JS numbers (they stay far below 2^53).
// - No foreign keys between tables: rows arrive from independent chain watchers (a response can be seen before
//   its request row is written, an event before either), so each table is keyed by the chain's own ids and
//   writers upsert. Integrity comes from the chain, which is the source of truth these tables mirror.
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { ProvenanceBundle } from '../../schemas/bundle.ts';
import type { AggregateReport, DatasetRecord } from '../../schemas/record.ts';
import type { RequestSpec } from '../../schemas/spec.ts';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const updatedAt = () =>
  timestamp('updated_at', { withTimezone: true, mode: 'date' })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());
const wei = (name: string) => numeric(name, { precision: 78, scale: 0 });
const blockNumber = (name: string) => bigint(name, { mode: 'number' });

export const REQUEST_STATUSES = ['requested', 'assigned', 'aggregating', 'fulfilled', 'expired', 'failed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const requestStatus = pgEnum('request_status', REQUEST_STATUSES);

export const VERIFICATION_STATUSES = ['pending', 'valid', 'invalid'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];
export const verificationStatus = pgEnum('verification_status', VERIFICATION_STATUSES);

/** Who wrote a timeline event: an operator (by its address), the aggregator, or the API. */
export type EventSource = `0x${string}` | 'aggregator' | 'api' | (string & {});

/** One oracle request, mirrored from `DataRequested` and updated as it moves through its life. */
export const requests = pgTable(
  'requests',
  {
    id: text('id').primaryKey(), // bytes32 request id, 0x-hex
    consumer: text('consumer').notNull(),
    specHash: text('spec_hash').notNull(),
    specCid: text('spec_cid').notNull(),
    /** The RequestSpec JSON once fetched from IPFS and checked against specHash; null until then. */
    spec: jsonb('spec').$type<RequestSpec>(),
    quorum: integer('quorum').notNull(),
    /** As the contract states it (unix seconds). */
    deadline: bigint('deadline', { mode: 'number' }).notNull(),
    fee: wei('fee').notNull(),
    txHash: text('tx_hash'),
    blockNumber: blockNumber('block_number'),
    status: requestStatus('status').notNull().default('requested'),
    merkleRoot: text('merkle_root'),
    reportCid: text('report_cid'),
    /** hub v2: the value hash OracleHub accepted at fulfil (every record's leaf commits it) */
    valueHash: text('value_hash'),
    /** hub v2: unix seconds until which the fulfilment can be challenged */
    challengeDeadline: bigint('challenge_deadline', { mode: 'number' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    fulfilledAt: timestamp('fulfilled_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('requests_status_idx').on(t.status),
    index('requests_consumer_idx').on(t.consumer),
    index('requests_created_at_idx').on(t.createdAt.desc(), t.id),
    index('requests_spec_hash_idx').on(t.specHash),
  ],
);

/** The (prover, notary) pairs drawn for a request: nobody picks their own notary. */
export const assignments = pgTable(
  'assignments',
  {
    requestId: text('request_id').notNull(),
    prover: text('prover').notNull(),
    notary: text('notary').notNull(),
    /** Position in the drawn list, so the order the contract produced is kept. */
    position: integer('position').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.requestId, t.prover] }),
    // the notary's check "is this prover assigned to me for this request" and its own work list
    index('assignments_notary_idx').on(t.notary, t.requestId),
    index('assignments_prover_idx').on(t.prover),
  ],
);

/** A request's timeline, append-only: what the API lists and streams as Server-Sent Events (id = event id). */
export const requestEvents = pgTable(
  'request_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: text('request_id').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    source: text('source').$type<EventSource>().notNull(),
    stage: text('stage').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
  },
  (t) => [index('request_events_request_idx').on(t.requestId, t.id)],
);

/** A `ResponseSubmitted`, and the aggregator's verdict on it once it has re-verified the bundle. */
export const responses = pgTable(
  'responses',
  {
    requestId: text('request_id').notNull(),
    prover: text('prover').notNull(),
    notary: text('notary').notNull(),
    resultHash: text('result_hash').notNull(),
    bundleCid: text('bundle_cid').notNull(),
    txHash: text('tx_hash'),
    blockNumber: blockNumber('block_number'),
    verification: verificationStatus('verification').notNull().default('pending'),
    /** A stable VeritasError code when invalid (BAD_SIGNATURE, BUNDLE_INVALID, …). */
    invalidCode: text('invalid_code'),
    invalidMessage: text('invalid_message'),
    /** The extracted value after normalization, once verified: the input of the aggregation policy. */
    value: jsonb('value'),
    verifiedAt: timestamp('verified_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.requestId, t.prover] }),
    index('responses_verification_idx').on(t.verification),
    index('responses_notary_idx').on(t.notary),
    index('responses_prover_idx').on(t.prover),
    index('responses_bundle_cid_idx').on(t.bundleCid),
  ],
);

/** Provenance bundles as fetched from IPFS (a cache: IPFS holds the authoritative bytes under the CID). */
export const bundles = pgTable(
  'bundles',
  {
    cid: text('cid').primaryKey(),
    requestId: text('request_id').notNull(),
    prover: text('prover').notNull(),
    content: jsonb('content').$type<ProvenanceBundle>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('bundles_request_idx').on(t.requestId, t.prover)],
);

/** Dataset records of a fulfilled request, each with its Merkle proof against the on-chain root. */
export const records = pgTable(
  'records',
  {
    id: text('id').primaryKey(), // the leaf hash (0x-hex) or an index-based id chosen by the aggregator
    requestId: text('request_id').notNull(),
    index: integer('index').notNull(),
    value: jsonb('value').$type<DatasetRecord['value']>().notNull(),
    leafHash: text('leaf_hash').notNull(),
    /** Sibling hashes from leaf to root, 0x-hex. */
    proof: jsonb('proof').$type<string[]>().notNull(),
    /** Bundle CIDs, provers, notaries, server name, TLS time: everything needed to re-check the record. */
    provenance: jsonb('provenance').$type<DatasetRecord>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('records_request_index_idx').on(t.requestId, t.index),
    index('records_leaf_hash_idx').on(t.leafHash),
  ],
);

/** What the aggregation policy decided: the provers the fulfilment names, who was left out and why, the value. */
export type PolicyOutcome = Pick<AggregateReport, 'included' | 'excluded'> & { value: unknown };

/** The aggregate report of a request: its Merkle root, the pinned report and the fulfilment transaction. */
export const reports = pgTable('reports', {
  requestId: text('request_id').primaryKey(),
  reportCid: text('report_cid').notNull(),
  merkleRoot: text('merkle_root').notNull(),
  /** Policy, included/excluded responses and why (outliers, dissent, invalid). */
  policyOutcome: jsonb('policy_outcome').$type<PolicyOutcome>().notNull(),
  recordCount: integer('record_count').notNull().default(0),
  /** Null between pinning the report and the `fulfill` transaction: what a restarted aggregator resumes from. */
  fulfillTxHash: text('fulfill_tx_hash'),
  fulfillBlockNumber: blockNumber('fulfill_block_number'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Registered operators, mirrored from `OperatorRegistry`, with their track record for the API. */
export const operators = pgTable(
  'operators',
  {
    address: text('address').primaryKey(),
    metadataUri: text('metadata_uri'),
    notaryUrl: text('notary_url'),
    bond: wei('bond').notNull().default('0'),
    /** As the registry reports it (e.g. active, unbonding, slashed, exited). */
    status: text('status').notNull().default('active'),
    answered: integer('answered').notNull().default(0),
    agreed: integer('agreed').notNull().default(0),
    invalid: integer('invalid').notNull().default(0),
    slashed: integer('slashed').notNull().default(0),
    registeredBlock: blockNumber('registered_block'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('operators_status_idx').on(t.status)],
);

/** Slashing evidence found by the aggregator; txHash is null until submitted, so it is never submitted twice. */
export const evidence = pgTable(
  'evidence',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: text('request_id').notNull(),
    notary: text('notary').notNull(),
    prover: text('prover').notNull(),
    /** e.g. double_attestation, bad_notary_signature. */
    kind: text('kind').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull(),
    txHash: text('tx_hash'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('evidence_subject_idx').on(t.requestId, t.notary, t.prover, t.kind),
    index('evidence_notary_idx').on(t.notary),
  ],
);

/** How far a chain watcher got (last block fully processed), so it resumes without missing or replaying logs. */
export const chainCursors = pgTable('chain_cursors', {
  name: text('name').primaryKey(), // e.g. `operator:0xabc…:DataRequested`, `aggregator:ResponseSubmitted`
  lastBlock: bigint('last_block', { mode: 'number' }).notNull(),
  updatedAt: updatedAt(),
});

/** An operator's work on one request: its idempotency key, so a restart neither loses nor double-answers. */
export const operatorJobs = pgTable(
  'operator_jobs',
  {
    requestId: text('request_id').notNull(),
    operator: text('operator').notNull(),
    /** The pipeline stage reached (queued, notary_connected, …, responded, failed); owned by the operator. */
    state: text('state').notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastErrorCode: text('last_error_code'),
    lastError: text('last_error'),
    /** When a transient failure may be retried (backoff); null when not waiting. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }),
    bundleCid: text('bundle_cid'),
    txHash: text('tx_hash'),
    /** The request's fee divided by its sampled provers (wei), read once when the job is queued: best paid first. */
    feePerProver: wei('fee_per_prover'),
    /** The request's on-chain deadline (unix seconds): a job past it is never started. */
    deadline: bigint('deadline', { mode: 'number' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.requestId, t.operator] }),
    // the operator's "what is left to do" scan after a restart
    index('operator_jobs_state_idx').on(t.operator, t.state, t.nextAttemptAt),
  ],
);

/**
 * The aggregator's own bookkeeping per open request: failed passes (bounded, backed off, kept across restarts) and,
 * once it gave up, why — an ended request is only expired after its deadline, never processed again.
 */
export const aggregatorWork = pgTable('aggregator_work', {
  requestId: text('request_id').primaryKey(),
  attempts: integer('attempts').notNull().default(0),
  /** Not processed again before this time (backoff after a failed attempt); null when due. */
  nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }),
  lastErrorCode: text('last_error_code'),
  lastError: text('last_error'),
  /** Set when the request can never be answered (unfetchable or invalid spec, unstorable, attempts used up). */
  endedCode: text('ended_code'),
  endedReason: text('ended_reason'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
export type AggregatorWorkRow = typeof aggregatorWork.$inferSelect;

// Row types: `XRow` is what a select returns, `NewXRow` what an insert takes.
export type RequestRow = typeof requests.$inferSelect;
export type NewRequestRow = typeof requests.$inferInsert;
export type AssignmentRow = typeof assignments.$inferSelect;
export type NewAssignmentRow = typeof assignments.$inferInsert;
export type RequestEventRow = typeof requestEvents.$inferSelect;
export type NewRequestEventRow = typeof requestEvents.$inferInsert;
export type ResponseRow = typeof responses.$inferSelect;
export type NewResponseRow = typeof responses.$inferInsert;
export type BundleRow = typeof bundles.$inferSelect;
export type NewBundleRow = typeof bundles.$inferInsert;
export type RecordRow = typeof records.$inferSelect;
export type NewRecordRow = typeof records.$inferInsert;
export type ReportRow = typeof reports.$inferSelect;
export type NewReportRow = typeof reports.$inferInsert;
export type OperatorRow = typeof operators.$inferSelect;
export type NewOperatorRow = typeof operators.$inferInsert;
export type EvidenceRow = typeof evidence.$inferSelect;
export type NewEvidenceRow = typeof evidence.$inferInsert;
export type ChainCursorRow = typeof chainCursors.$inferSelect;
export type NewChainCursorRow = typeof chainCursors.$inferInsert;
export type OperatorJobRow = typeof operatorJobs.$inferSelect;
export type NewOperatorJobRow = typeof operatorJobs.$inferInsert;

export const SUBMISSION_STATUSES = ['submitting', 'sent', 'failed'] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

/**
 * A request the API is about to send with the node key, written BEFORE the transaction so the database never lacks a
 * request the chain has: `submitting` until the receipt links it to its on-chain id (`sent`), or `failed` when the
 * chain refused it. One left `submitting` (the process died, the RPC dropped) is reconciled from the indexed
 * `DataRequested` by (consumer, specHash, txHash).
 */
export const submissions = pgTable(
  'submissions',
  {
    id: text('id').primaryKey(), // a random id the API returns, so a client can ask after a failed wait
    status: text('status').$type<SubmissionStatus>().notNull().default('submitting'),
    consumer: text('consumer').notNull(),
    specHash: text('spec_hash').notNull(),
    specCid: text('spec_cid').notNull(),
    spec: jsonb('spec').$type<Record<string, unknown>>().notNull(),
    fee: wei('fee').notNull(),
    txHash: text('tx_hash'),
    requestId: text('request_id'),
    /** The public error code when it failed. */
    errorCode: text('error_code'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('submissions_spec_idx').on(t.consumer, t.specHash), index('submissions_status_idx').on(t.status)],
);
export type SubmissionRow = typeof submissions.$inferSelect;

// DatasetRegistry mirror (core/dataset/indexer.ts). Keyed by the registry's address too: one database may follow
// several registries (a devnet's and a test's), and their feed and dataset numbers both start at 1.

/** A feed: its schedule and terms (fixed at creation) and its state as the registry stated it at `stateBlock`. */
export const feeds = pgTable(
  'feeds',
  {
    registry: text('registry').notNull(),
    id: bigint('id', { mode: 'number' }).notNull(),
    owner: text('owner').notNull(),
    specHash: text('spec_hash').notNull(),
    specCid: text('spec_cid').notNull(),
    quorum: integer('quorum').notNull(),
    interval: bigint('interval', { mode: 'number' }).notNull(),
    firstRound: bigint('first_round', { mode: 'number' }).notNull(),
    /** Unix seconds; 0: no end. */
    end: bigint('end', { mode: 'number' }).notNull(),
    feePerRound: wei('fee_per_round').notNull(),
    escrow: wei('escrow').notNull(),
    paused: boolean('paused').notNull(),
    cancelled: boolean('cancelled').notNull(),
    rounds: integer('rounds').notNull(),
    /** The block the state columns were read at (the feed's latest event seen): never overwritten by an older one. */
    stateBlock: blockNumber('state_block').notNull(),
    createdBlock: blockNumber('created_block').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.registry, t.id] })],
);
export type FeedRow = typeof feeds.$inferSelect;

/** A feed round someone poked (FeedPoked): the request it opened. */
export const feedRounds = pgTable(
  'feed_rounds',
  {
    registry: text('registry').notNull(),
    feedId: bigint('feed_id', { mode: 'number' }).notNull(),
    round: bigint('round', { mode: 'number' }).notNull(),
    requestId: text('request_id').notNull(),
    poker: text('poker').notNull(),
    tip: wei('tip').notNull(),
    txHash: text('tx_hash').notNull(),
    blockNumber: blockNumber('block_number').notNull(),
    /** The block's time (unix seconds). */
    timestamp: bigint('timestamp', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.registry, t.feedId, t.round] }), index('feed_rounds_request_idx').on(t.requestId)],
);
export type FeedRoundRow = typeof feedRounds.$inferSelect;

/** A dataset and its head (latest version and root). */
export const datasets = pgTable(
  'datasets',
  {
    registry: text('registry').notNull(),
    id: bigint('id', { mode: 'number' }).notNull(),
    owner: text('owner').notNull(),
    metadataCid: text('metadata_cid').notNull(),
    version: integer('version').notNull().default(0),
    /** The accumulator root of `version` (version 0: the registry's `emptyRoot`). */
    root: text('root').notNull(),
    createdBlock: blockNumber('created_block').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.registry, t.id] })],
);
export type DatasetRow = typeof datasets.$inferSelect;

/** A source of a dataset (SourceAdded): a feed (requestId null) or a one-shot request (feedId null). */
export const datasetSources = pgTable(
  'dataset_sources',
  {
    registry: text('registry').notNull(),
    datasetId: bigint('dataset_id', { mode: 'number' }).notNull(),
    /** `feed:<id>` or `request:<0x…>`: one row per source, whatever its kind. */
    source: text('source').notNull(),
    feedId: bigint('feed_id', { mode: 'number' }),
    requestId: text('request_id'),
    /** Where the event lies in the chain, for the sources' order. */
    blockNumber: blockNumber('block_number').notNull(),
    logIndex: integer('log_index').notNull(),
  },
  (t) => [primaryKey({ columns: [t.registry, t.datasetId, t.source] })],
);
export type DatasetSourceRow = typeof datasetSources.$inferSelect;

/** A version of a dataset: the round appended to make it (RoundAppended) and the root it gave (DatasetVersion). */
export const datasetVersions = pgTable(
  'dataset_versions',
  {
    registry: text('registry').notNull(),
    datasetId: bigint('dataset_id', { mode: 'number' }).notNull(),
    version: integer('version').notNull(),
    root: text('root').notNull(),
    requestId: text('request_id').notNull(),
    requestRoot: text('request_root').notNull(),
    recordCount: bigint('record_count', { mode: 'number' }).notNull(),
    txHash: text('tx_hash').notNull(),
    blockNumber: blockNumber('block_number').notNull(),
    timestamp: bigint('timestamp', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.registry, t.datasetId, t.version] })],
);
export type DatasetVersionRow = typeof datasetVersions.$inferSelect;
