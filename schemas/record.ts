// DatasetRecord and AggregateReport: the verified output of aggregation, committed on-chain by a Merkle root.
import { z } from 'zod';
import { Address, Cid, Hex32, HexBytes } from './common.ts';
import { AggregationPolicy, ExtractionRule } from './spec.ts';
import { TrustMode } from './bundle.ts';

/** One operator's contribution to a record: which TLS session it came from and who attested it. */
export const RecordSource = z
  .object({
    prover: Address,
    notary: Address,
    bundleCid: Cid,
    serverName: z.string(),
    tlsTime: z.number().int().min(0),
    resultHash: Hex32,
    /** The source's normalized value (for median: its own number; the record value is the aggregate). */
    value: z.json(),
  })
  .strict();
export type RecordSource = z.infer<typeof RecordSource>;

export const DatasetRecord = z
  .object({
    version: z.literal(1),
    chainId: z.number().int().positive(),
    hub: Address,
    requestId: Hex32,
    /** Position of the record in the request's Merkle tree (0 for a single-record request). */
    index: z.number().int().min(0),
    value: z.json(),
    url: z.string().url(),
    specCid: Cid,
    extract: ExtractionRule,
    policy: AggregationPolicy,
    trust: TrustMode,
    sources: z.array(RecordSource).min(1),
  })
  .strict();
export type DatasetRecord = z.infer<typeof DatasetRecord>;

/** A record with its Merkle proof against the request's on-chain root. */
export const ProvedRecord = z
  .object({
    record: DatasetRecord,
    /** keccak256 of the record's canonical JSON: the `recordHash` inside the Merkle leaf. */
    recordHash: Hex32,
    merkleRoot: Hex32,
    proof: z.array(Hex32),
  })
  .strict();
export type ProvedRecord = z.infer<typeof ProvedRecord>;

export const Exclusion = z
  .object({
    prover: Address,
    bundleCid: Cid.optional(),
    /** A stable error code (e.g. BUNDLE_INVALID, BAD_SIGNATURE, OUTLIER, DISSENT). */
    code: z.string(),
    reason: z.string(),
  })
  .strict();
export type Exclusion = z.infer<typeof Exclusion>;

export const AggregateReport = z
  .object({
    version: z.literal(1),
    chainId: z.number().int().positive(),
    hub: Address,
    requestId: Hex32,
    specCid: Cid,
    policy: AggregationPolicy,
    /** Merkle leaf: StandardMerkleTree over (bytes32 requestId, uint256 index, bytes32 valueHash, bytes32 recordHash). */
    leafEncoding: z.tuple([z.literal('bytes32'), z.literal('uint256'), z.literal('bytes32'), z.literal('bytes32')]),
    merkleRoot: Hex32,
    records: z.array(DatasetRecord).min(1),
    included: z.array(Address).min(1),
    excluded: z.array(Exclusion),
    aggregator: Address,
    createdAt: z.iso.datetime(),
  })
  .strict();
export type AggregateReport = z.infer<typeof AggregateReport>;

export const MERKLE_LEAF_ENCODING = ['bytes32', 'uint256', 'bytes32', 'bytes32'] as const;
export { HexBytes };
