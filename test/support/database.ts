// A database for one test: a fresh, uniquely named database on the server DATABASE_URL points at (CI runs the
// suite against a real PostgreSQL), or an embedded PGlite under `dataDir`. Every test gets its own, so chain
// cursors and rows from another test (anvil reuses contract addresses across fresh chains) never leak in.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { Hex } from 'viem';
import { openDatabase, type Database, type DatabaseHandle } from '../../core/db/client.ts';
import { records, reports } from '../../core/db/schema.ts';
import type { RecordTree } from '../../core/merkle.ts';
import type { Logger } from '../../core/log.ts';
import type { DatasetRecord } from '../../schemas/record.ts';

export type TestDatabase = {
  /** The fresh database's URL, or undefined for the embedded one (then pass the same dataDir to reopen it). */
  url: string | undefined;
  open(): Promise<DatabaseHandle>;
  /** Drops the server database (after every handle is closed). */
  drop(): Promise<void>;
};

export async function testDatabase(o: { dataDir: string; log: Logger }): Promise<TestDatabase> {
  const server = process.env.DATABASE_URL;
  if (!server)
    return { url: undefined, open: () => openDatabase({ dataDir: o.dataDir, log: o.log }), drop: async () => {} };
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  const name = `veritas_test_${randomBytes(6).toString('hex')}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    open: () => openDatabase({ url: url.toString(), dataDir: o.dataDir, log: o.log }),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** Cleanups a test file runs after its tests (test/support/aggregator.ts useCleanups, or a plain array). */
export type Cleanups = { push(cleanup: () => Promise<unknown>): void };

/** testDatabase under `dataDir`, opened; closed and dropped by `cleanups`. */
export async function openTestDatabase(dataDir: string, log: Logger, cleanups: Cleanups): Promise<DatabaseHandle> {
  const target = await testDatabase({ dataDir, log });
  cleanups.push(() => target.drop());
  const db = await target.open();
  cleanups.push(() => db.close());
  return db;
}

/**
 * Stores the rows the aggregator writes when it fulfils a one-record request: the record (leaf 0 of `tree`, with
 * its proof) and the report. Tests that build a fulfilled request by hand (API harness, pages) share it, so a new
 * column is added in one place.
 */
export async function storeFulfilment(
  db: Database,
  f: {
    requestId: Hex;
    tree: RecordTree;
    record: DatasetRecord;
    reportCid: string;
    outcome: (typeof reports.$inferInsert)['policyOutcome'];
    fulfil: { txHash: Hex; blockNumber: number };
  },
): Promise<void> {
  await db.insert(records).values({
    id: f.tree.leafHash(0),
    requestId: f.requestId,
    index: 0,
    value: f.record.value,
    leafHash: f.tree.leafHash(0),
    proof: f.tree.proof(0),
    provenance: f.record,
  });
  await db.insert(reports).values({
    requestId: f.requestId,
    reportCid: f.reportCid,
    merkleRoot: f.tree.root,
    policyOutcome: f.outcome,
    recordCount: 1,
    fulfillTxHash: f.fulfil.txHash,
    fulfillBlockNumber: f.fulfil.blockNumber,
  });
}
