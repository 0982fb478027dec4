// A database for one test: a fresh, uniquely named database on the server DATABASE_URL points at (CI runs the
// suite against a real PostgreSQL), or an embedded PGlite under `dataDir`. Every test gets its own, so chain
// cursors and rows from another test (anvil reuses contract addresses across fresh chains) never leak in.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDatabase, type DatabaseHandle } from '../../core/db/client.ts';
import type { Logger } from '../../core/log.ts';

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
