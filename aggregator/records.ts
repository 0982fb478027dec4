// Builds the dataset records of an agreed request (one, or one per element for `records: 'array'`), their Merkle
// tree, and the AggregateReport that is pinned and whose root goes on-chain.
import type { Address, Hex } from 'viem';
import { hashJson } from '../core/canonical.ts';
import { buildRecordTree } from '../core/merkle.ts';
import type { ProvenanceBundle } from '../schemas/bundle.ts';
import { MERKLE_LEAF_ENCODING, type AggregateReport, type DatasetRecord, type Exclusion } from '../schemas/record.ts';
import type { RequestSpec } from '../schemas/spec.ts';

export type VerifiedSource = { bundleCid: string; bundle: ProvenanceBundle; normalized: unknown };

export type BuiltRecord = { record: DatasetRecord; recordHash: Hex; leafHash: Hex; proof: Hex[] };
export type BuiltReport = { report: AggregateReport; records: BuiltRecord[] };

export type BuildReportInput = {
  chainId: number;
  hub: Address;
  requestId: Hex;
  specCid: string;
  spec: RequestSpec;
  value: unknown;
  sources: VerifiedSource[];
  excluded: Exclusion[];
  aggregator: Address;
  createdAt: Date;
};

export function buildReport(p: BuildReportInput): BuiltReport {
  const values = p.spec.records === 'array' ? (p.value as unknown[]) : [p.value];
  const trust = p.sources.some((s) => s.bundle.trust === 'devnet') ? 'devnet' : 'webpki';
  const records: DatasetRecord[] = values.map((value, index) => ({
    version: 1,
    chainId: p.chainId,
    hub: p.hub.toLowerCase() as Address,
    requestId: p.requestId.toLowerCase() as Hex,
    index,
    value: value as DatasetRecord['value'],
    url: p.spec.url,
    specCid: p.specCid,
    extract: p.spec.extract,
    policy: p.spec.aggregation,
    trust,
    sources: p.sources.map((s) => ({
      prover: s.bundle.prover,
      notary: s.bundle.notary,
      bundleCid: s.bundleCid,
      serverName: s.bundle.serverName,
      tlsTime: s.bundle.tlsTime,
      resultHash: s.bundle.attestation.resultHash,
      value: (p.spec.records === 'array' ? (s.normalized as unknown[])[index] : s.normalized) as DatasetRecord['value'],
    })),
  }));
  const hashes = records.map((r) => hashJson(r));
  const tree = buildRecordTree(
    // the leaf commits the value hash `fulfill` sends and the hub checks: hashJson of the whole normalized value
    records.map((r, i) => ({
      requestId: r.requestId as Hex,
      index: r.index,
      valueHash: hashJson(p.value),
      recordHash: hashes[i]!,
    })),
  );
  const report: AggregateReport = {
    version: 1,
    chainId: p.chainId,
    hub: p.hub.toLowerCase() as Address,
    requestId: p.requestId.toLowerCase() as Hex,
    specCid: p.specCid,
    policy: p.spec.aggregation,
    leafEncoding: [...MERKLE_LEAF_ENCODING],
    merkleRoot: tree.root,
    records,
    included: p.sources.map((s) => s.bundle.prover),
    excluded: p.excluded,
    aggregator: p.aggregator.toLowerCase() as Address,
    createdAt: p.createdAt.toISOString(),
  };
  return {
    report,
    records: records.map((record, i) => ({
      record,
      recordHash: hashes[i]!,
      leafHash: tree.leafHash(i),
      proof: tree.proof(i),
    })),
  };
}
