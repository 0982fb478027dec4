// Opens the database: an external PostgreSQL given by URL, or an embedded PGlite under the data directory served on
// a random loopback port; either way a drizzle (postgres-js) handle with the schema, migrated on open.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { VeritasError } from '../errors.ts';
import type { Logger } from '../log.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
export type Database = PostgresJsDatabase<Schema>;

export type OpenDatabaseOptions = {
  /** An external PostgreSQL (`postgres://…`); when undefined an embedded PGlite is started under `dataDir`. */
  url?: string | undefined;
  /** The node's data directory; the embedded database lives in `<dataDir>/pg`. */
  dataDir: string;
  log: Logger;
};

export type DatabaseHandle = {
  db: Database;
  /** The URL the client is connected to (for the embedded database: its loopback address; no password). */
  url: string;
  embedded: boolean;
  /** Ends the client, then stops the embedded server and PGlite. Safe to call more than once. */
  close(): Promise<void>;
};

/** The committed drizzle-kit migrations, found next to this module rather than from the working directory. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

// Arbitrary constant naming "Veritas schema migration" for pg_advisory_lock.
const MIGRATION_LOCK_KEY = 0x7e417a5;

// PGlite holds its data directory without a lock file of its own: a second PGlite on the same directory in this
// process would corrupt it, so each embedded directory is opened once and its handle shared.
const openEmbedded = new Set<string>();

export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const log = options.log.child({ component: 'db' });
  return options.url === undefined
    ? openEmbeddedDatabase(options.dataDir, log)
    : openExternalDatabase(options.url, log);
}

async function openExternalDatabase(url: string, log: Logger): Promise<DatabaseHandle> {
  // Migrate on a dedicated single connection holding an advisory lock, so two processes starting together
  // against one server (operator, aggregator, API) apply the migrations once.
  const migrator = postgres(url, { max: 1, onnotice: noticeTo(log), connect_timeout: 10 });
  try {
    await migrator`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await migrate(drizzle(migrator), { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await migrator`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } catch (e) {
    throw dbError(`cannot open or migrate the database at ${redact(url)}`, e);
  } finally {
    await migrator.end({ timeout: 5 });
  }
  const client = postgres(url, { onnotice: noticeTo(log), connect_timeout: 10 });
  log.info({ url: redact(url) }, 'database opened');
  return handle(drizzle(client, { schema }), url, false, () => client.end({ timeout: 5 }));
}

async function openEmbeddedDatabase(dataDir: string, log: Logger): Promise<DatabaseHandle> {
  const pgDir = resolve(dataDir, 'pg');
  if (openEmbedded.has(pgDir))
    throw new VeritasError(
      'DB_ERROR',
      `the embedded database in ${pgDir} is already open in this process; share its handle`,
      {
        field: 'dataDir',
      },
    );
  openEmbedded.add(pgDir);
  let pglite: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  let client: postgres.Sql | undefined;
  const shutdown = async () => {
    await client?.end({ timeout: 5 });
    await server?.stop();
    if (pglite !== undefined && !pglite.closed) await pglite.close();
    openEmbedded.delete(pgDir);
  };
  try {
    // PGlite creates `pg` itself but not its parent.
    await mkdir(dataDir, { recursive: true });
    pglite = await PGlite.create(pgDir);
    // PGlite is a single backend session. The socket server multiplexes connections onto it message by message,
    // which would interleave one client's prepared statements and transactions with another's; so it accepts
    // one connection, and the postgres client keeps exactly one (`max: 1`) and queues concurrent queries on it
    // (a `transaction()` holds that connection until it ends, other queries wait their turn).
    server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0, maxConnections: 1 });
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    client = postgres(url, {
      max: 1,
      // never recycle the one connection: a reconnect racing the server's slot release would be refused
      max_lifetime: null,
      idle_timeout: 0,
      onnotice: noticeTo(log),
      connect_timeout: 10,
    });
    const db = drizzle(client, { schema });
    await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
    log.info({ dataDir: pgDir, url }, 'embedded database opened');
    return handle(db, url, true, shutdown);
  } catch (e) {
    await shutdown().catch((closeError: unknown) => log.warn({ err: closeError }, 'embedded database cleanup failed'));
    throw dbError(`cannot open or migrate the embedded database in ${pgDir}`, e);
  }
}

function handle(db: Database, url: string, embedded: boolean, shutdown: () => Promise<void>): DatabaseHandle {
  let closing: Promise<void> | undefined;
  return {
    db,
    url,
    embedded,
    close: () => (closing ??= shutdown()),
  };
}

// Postgres NOTICEs (e.g. "schema drizzle already exists, skipping") are routine: keep them out of stdout.
const noticeTo = (log: Logger) => (notice: postgres.Notice) => log.debug({ notice: notice.message }, 'postgres notice');

const redact = (url: string): string => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

const dbError = (message: string, cause: unknown): VeritasError =>
  new VeritasError('DB_ERROR', `${message}: ${cause instanceof Error ? cause.message : String(cause)}`, {
    cause,
  });
