// Verifies a dataset snapshot trusting only an RPC node and IPFS: every version is recomputable, so the snapshot
// is rebuilt from the chain (version root, rounds, request roots) and the pinned reports, and must match byte for
// byte; each failure names its check (and for an edited row, the file and the row).
import type { Address, Hex } from 'viem';
import { hashJson } from '../canonical.ts';
import { oracleHubAbi } from '../chain/contracts.ts';
import type { VeritasPublicClient } from '../chain/clients.ts';
import { isVeritasError, VeritasError } from '../errors.ts';
import { buildRecordTree } from '../merkle.ts';
import { AggregateReport, type ProvedRecord } from '../../schemas/record.ts';
import { DatasetMetadata, readDataset, type RecordSource, snapshotInputOf } from './chain.ts';
import { buildSnapshot, type SnapshotFile } from './snapshot.ts';

export type SnapshotCheck = { name: string; ok: boolean; detail: string };
export type SnapshotVerification = { ok: boolean; checks: SnapshotCheck[]; failed?: SnapshotCheck };

/** Records of a request from its pinned report, refused unless their tree's root is the hub's on-chain root. */
export function reportRecords(
  client: VeritasPublicClient,
  hub: Address,
  getJson: (cid: string) => Promise<unknown>,
): RecordSource {
  return async (requestId: Hex, requestRoot: Hex): Promise<ProvedRecord[]> => {
    const onChain = await client.readContract({
      address: hub,
      abi: oracleHubAbi,
      functionName: 'getRequest',
      args: [requestId],
    });
    if (onChain.merkleRoot.toLowerCase() !== requestRoot)
      throw new VeritasError('VALUE_MISMATCH', `request ${requestId}: the registry's root is not the hub's`, {
        field: 'request-root',
      });
    const report = AggregateReport.parse(await getJson(onChain.reportCid));
    // hub v2 leaves commit the value hash the hub accepted at fulfil (docs/PROTOCOL.md)
    const valueHash = onChain.valueHash;
    const tree = buildRecordTree(
      report.records.map((r) => ({ requestId, index: r.index, valueHash, recordHash: hashJson(r) })),
    );
    if (tree.root !== requestRoot)
      throw new VeritasError('VALUE_MISMATCH', `request ${requestId}: its report's records do not give its root`, {
        field: 'request-root',
      });
    return report.records.map((record) => ({
      record,
      recordHash: hashJson(record),
      merkleRoot: tree.root,
      proof: tree.proof(record.index),
    }));
  };
}

const firstDifferentLine = (a: Uint8Array, b: Uint8Array): number => {
  const la = new TextDecoder().decode(a).split('\n');
  const lb = new TextDecoder().decode(b).split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) if (la[i] !== lb[i]) return i + 1;
  return 0;
};

export async function verifySnapshot(p: {
  client: VeritasPublicClient;
  registry: Address;
  hub: Address;
  chainId: number;
  datasetId: bigint;
  version: number;
  getJson: (cid: string) => Promise<unknown>;
  files: SnapshotFile[];
  fromBlock?: bigint;
}): Promise<SnapshotVerification> {
  const checks: SnapshotCheck[] = [];
  const done = (): SnapshotVerification => {
    const failed = checks.find((c) => !c.ok);
    return { ok: failed === undefined, checks, ...(failed ? { failed } : {}) };
  };
  const dataset = await readDataset(p.client, p.registry, p.datasetId);
  if (!dataset || p.version < 1 || p.version > dataset.version) {
    checks.push({
      name: 'version-root',
      ok: false,
      detail: `dataset ${p.datasetId} has no version ${p.version} on-chain`,
    });
    return done();
  }
  let rebuilt: SnapshotFile[];
  try {
    const metadata = DatasetMetadata.parse(await p.getJson(dataset.metadataCid));
    const input = await snapshotInputOf({
      client: p.client,
      registry: p.registry,
      hub: p.hub,
      chainId: p.chainId,
      dataset,
      metadata,
      version: p.version,
      records: reportRecords(p.client, p.hub, p.getJson),
      ...(p.fromBlock !== undefined ? { fromBlock: p.fromBlock } : {}),
    });
    checks.push({ name: 'version-root', ok: true, detail: `version ${p.version} root ${input.dataset.root}` });
    checks.push({
      name: 'request-roots',
      ok: true,
      detail: `${input.rounds.length} round(s): reports give the hub's roots`,
    });
    rebuilt = buildSnapshot(input).files; // refuses rounds that do not recompute the on-chain version root
    checks.push({ name: 'accumulator', ok: true, detail: 'the rounds recompute the on-chain version root' });
  } catch (e) {
    if (!isVeritasError(e)) throw e;
    const name = e.field === 'dataset.root' ? 'accumulator' : e.field === 'request-root' ? 'request-roots' : 'rebuild';
    checks.push({ name, ok: false, detail: e.message });
    return done();
  }
  for (const want of rebuilt) {
    const got = p.files.find((f) => f.path === want.path);
    if (got === undefined) {
      checks.push({ name: `file:${want.path}`, ok: false, detail: 'missing from the snapshot' });
      continue;
    }
    const same = Buffer.from(got.bytes).equals(Buffer.from(want.bytes));
    const line = same ? 0 : firstDifferentLine(got.bytes, want.bytes);
    checks.push({
      name: `file:${want.path}`,
      ok: same,
      detail: same
        ? `${want.bytes.byteLength} bytes as the chain and IPFS recompute them`
        : want.path.endsWith('.jsonl')
          ? `line ${line} differs from the attested record`
          : 'differs from what the chain and IPFS recompute',
    });
  }
  return done();
}
