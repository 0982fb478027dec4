// A dataset version's snapshot: its rounds' proved records → README.md (dataset card), croissant.json, data/
// records.parquet, data/records.jsonl and proofs.jsonl, as deterministic bytes (same input, same files, same CIDs).
import { z } from 'zod';
import type { Hex } from 'viem';
import { hashJson } from '../canonical.ts';
import { VeritasError } from '../errors.ts';
import { Address, Hex32, zodToVeritasError } from '../../schemas/common.ts';
import { ProvedRecord } from '../../schemas/record.ts';
import { accumulatorProof, accumulatorRoot, roundLeaf } from './accumulator.ts';
import { datasetCard } from './card.ts';
import { croissantDocument, type DataFile } from './croissant.ts';
import { LicenseDecl } from './license.ts';
import { parquetOf } from './parquet.ts';
import { columnsOf, flatRowOf, jsonlOf, type RoundRecord } from './rows.ts';

const Iso = z.iso.datetime();

export const SnapshotSource = z
  .object({
    id: z.string().min(1).max(100),
    kind: z.enum(['feed', 'request']),
    url: z.string().url(),
  })
  .strict();

/** One appended round, in accumulator order: its request, the request's on-chain root and its proved records. */
export const SnapshotRound = z
  .object({
    sourceId: z.string().min(1).max(100),
    round: z.number().int().min(0),
    requestId: Hex32,
    requestRoot: Hex32,
    fulfilledAt: Iso,
    records: z.array(ProvedRecord).min(1),
  })
  .strict();

export const DatasetMeta = z
  .object({
    id: z.string().min(1).max(100),
    name: z.string().min(1).max(200),
    description: z.string().max(5000),
    /** The declared licence; absent means unspecified (never assumed open). */
    license: LicenseDecl.optional(),
    creator: z
      .object({
        name: z.string().min(1).max(200),
        url: z.string().url().optional(),
        type: z.enum(['Person', 'Organization']).optional(),
      })
      .strict(),
    /** Version k = the accumulator after k appended rounds. */
    version: z.number().int().min(1),
    /** A feed keeps growing: Croissant `isLiveDataset`. */
    live: z.boolean(),
    chainId: z.number().int().positive(),
    registry: Address.optional(),
    hub: Address.optional(),
    /** The on-chain version root, when known: the snapshot is refused if its rounds do not recompute it. */
    root: Hex32.optional(),
    publishedAt: Iso,
    /** Where the dataset's page lives; the Croissant `url`. */
    url: z.string().url().optional(),
  })
  .strict();
export type DatasetMeta = z.infer<typeof DatasetMeta>;

export const SnapshotInput = z
  .object({ dataset: DatasetMeta, sources: z.array(SnapshotSource).min(1), rounds: z.array(SnapshotRound).min(1) })
  .strict();
export type SnapshotInput = z.input<typeof SnapshotInput>;

export type SnapshotFile = { path: string; bytes: Uint8Array };
export type Snapshot = {
  files: SnapshotFile[];
  root: Hex;
  recordCount: number;
  croissant: Record<string, unknown>;
};

export const SNAPSHOT_PATHS = {
  card: 'README.md',
  croissant: 'croissant.json',
  parquet: 'data/records.parquet',
  jsonl: 'data/records.jsonl',
  proofs: 'proofs.jsonl',
} as const;

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const isoOfUnix = (s: number): string => new Date(s * 1000).toISOString();

export function buildSnapshot(input: SnapshotInput): Snapshot {
  const parsed = SnapshotInput.safeParse(input);
  if (!parsed.success) throw zodToVeritasError(parsed.error, 'snapshot input', 'INPUT_INVALID');
  const { dataset, sources, rounds } = parsed.data;
  const sourceIds = new Set(sources.map((s) => s.id));
  if (rounds.length !== dataset.version)
    throw new VeritasError(
      'INPUT_INVALID',
      `version ${dataset.version} holds exactly ${dataset.version} round(s), got ${rounds.length}`,
      { field: 'rounds' },
    );
  rounds.forEach((r, i) => {
    const at = (f: string) => `rounds[${i}].${f}`;
    if (!sourceIds.has(r.sourceId))
      throw new VeritasError('INPUT_INVALID', `round ${i} names unknown source ${r.sourceId}`, {
        field: at('sourceId'),
      });
    r.records.forEach((p, j) => {
      if (p.record.requestId !== r.requestId || p.merkleRoot !== r.requestRoot)
        throw new VeritasError('INPUT_INVALID', `record ${j} of round ${i} belongs to another request or root`, {
          field: at(`records[${j}]`),
        });
      // The hash is recomputed, never trusted: an edited record must not keep its old hash into the snapshot.
      if (hashJson(p.record) !== p.recordHash)
        throw new VeritasError('VALUE_MISMATCH', `record ${j} of round ${i}: recordHash is not the record's hash`, {
          field: at(`records[${j}].recordHash`),
        });
    });
  });
  const leaves = rounds.map((r) => roundLeaf(r.requestId as Hex, r.requestRoot as Hex));
  const root = accumulatorRoot(leaves);
  if (dataset.root !== undefined && dataset.root !== root)
    throw new VeritasError('VALUE_MISMATCH', `the rounds recompute root ${root}, not the on-chain ${dataset.root}`, {
      field: 'dataset.root',
    });

  const all: RoundRecord[] = rounds.flatMap((r) =>
    [...r.records].sort((a, b) => a.record.index - b.record.index).map((proved) => ({ round: r.round, proved })),
  );
  const columns = columnsOf(all);
  const rows = all.map((r) => flatRowOf(r, columns));
  const jsonl = jsonlOf(rows, columns);
  const parquet = parquetOf(rows, columns);
  const proofs = utf8(
    rounds
      .flatMap((r, i) => {
        const datasetProof = accumulatorProof(leaves, i);
        return [...r.records]
          .sort((a, b) => a.record.index - b.record.index)
          .map(
            (p) =>
              `${JSON.stringify({
                request_id: r.requestId,
                record_index: p.record.index,
                record_hash: p.recordHash,
                request_root: r.requestRoot,
                request_proof: p.proof,
                dataset_id: dataset.id,
                dataset_version: dataset.version,
                dataset_root: root,
                round_index: i,
                round_leaf: leaves[i],
                dataset_proof: datasetProof,
              })}\n`,
          );
      })
      .join(''),
  );

  const tlsTimes = all.flatMap((r) => r.proved.record.sources.map((s) => s.tlsTime));
  const provers = [...new Set(all.flatMap((r) => r.proved.record.sources.map((s) => s.prover)))].sort();
  const urls = [...new Set([...sources.map((s) => s.url), ...all.map((r) => r.proved.record.url)])].sort();
  const dateModified = rounds
    .map((r) => r.fulfilledAt)
    .sort()
    .at(-1)!;
  const files: DataFile[] = [
    {
      id: 'records-parquet',
      name: 'records.parquet',
      contentUrl: SNAPSHOT_PATHS.parquet,
      encodingFormat: 'application/x-parquet',
      bytes: parquet,
      recordSet: 'records',
      description: 'One row per record: flat value columns beside provenance columns (Parquet)',
    },
    {
      id: 'records-jsonl',
      name: 'records.jsonl',
      contentUrl: SNAPSHOT_PATHS.jsonl,
      encodingFormat: 'application/jsonlines',
      bytes: jsonl,
      recordSet: 'records_jsonl',
      description: 'The same rows as records.parquet, one JSON object per line',
    },
  ];
  const croissant = croissantDocument({
    name: dataset.name,
    description: dataset.description,
    url: dataset.url ?? `urn:veritas:dataset:${dataset.chainId}:${dataset.registry ?? 'local'}:${dataset.id}`,
    version: dataset.version,
    license: dataset.license,
    creator: dataset.creator,
    live: dataset.live,
    datePublished: dataset.publishedAt,
    dateModified,
    citeAs: `Veritas dataset ${dataset.id}, version ${dataset.version}, root ${root}`,
    sources: urls,
    activity: {
      startedAt: isoOfUnix(Math.min(...tlsTimes)),
      endedAt: isoOfUnix(Math.max(...tlsTimes)),
      provers,
    },
    columns,
    files,
    extra: {
      'veritas:datasetId': dataset.id,
      'veritas:datasetRoot': root,
      'veritas:chainId': dataset.chainId,
      ...(dataset.registry ? { 'veritas:registry': dataset.registry } : {}),
      'veritas:requestRoots': rounds.map((r) => ({ requestId: r.requestId, root: r.requestRoot, round: r.round })),
      'veritas:accumulator': 'depth-32 incremental Merkle tree, leaf keccak256(abi.encode(requestId, requestRoot))',
    },
  });
  const card = datasetCard({
    datasetId: dataset.id,
    name: dataset.name,
    description: dataset.description,
    version: dataset.version,
    versionRoot: root,
    license: dataset.license,
    live: dataset.live,
    chain: { chainId: dataset.chainId, registry: dataset.registry, hub: dataset.hub },
    columns,
    recordCount: all.length,
    sources,
    rounds: rounds.map((r, i) => ({
      accumulatorIndex: i,
      sourceId: r.sourceId,
      round: r.round,
      requestId: r.requestId,
      root: r.requestRoot,
      records: r.records.length,
      fulfilledAt: r.fulfilledAt,
    })),
  });
  return {
    root,
    recordCount: all.length,
    croissant,
    files: [
      { path: SNAPSHOT_PATHS.card, bytes: utf8(card) },
      { path: SNAPSHOT_PATHS.croissant, bytes: utf8(`${JSON.stringify(croissant, null, 2)}\n`) },
      { path: SNAPSHOT_PATHS.parquet, bytes: parquet },
      { path: SNAPSHOT_PATHS.jsonl, bytes: jsonl },
      { path: SNAPSHOT_PATHS.proofs, bytes: proofs },
    ],
  };
}
