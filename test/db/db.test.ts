// Database tests: migrations, persistence, every table's insert/select and concurrent use, on the embedded PGlite
// and, when DATABASE_URL is set (CI), on a real PostgreSQL server in a database created and dropped by this run.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { and, asc, eq, sql } from 'drizzle-orm';
import { pino } from 'pino';
import postgres from 'postgres';
import { isVeritasError } from '../../core/errors.ts';
import { MIGRATIONS_DIR, openDatabase, type DatabaseHandle } from '../../core/db/client.ts';
import {
  assignments,
  bundles,
  chainCursors,
  evidence,
  operatorJobs,
  operators,
  records,
  reports,
  requestEvents,
  requests,
  responses,
  type NewRequestRow,
} from '../../core/db/schema.ts';
import type { ProvenanceBundle } from '../../schemas/bundle.ts';
import type { DatasetRecord } from '../../schemas/record.ts';
import type { RequestSpec } from '../../schemas/spec.ts';

const log = pino({ level: 'silent' });
const TABLES = [
  'aggregator_work',
  'assignments',
  'bundles',
  'chain_cursors',
  'dataset_sources',
  'dataset_versions',
  'datasets',
  'evidence',
  'feed_rounds',
  'feeds',
  'operator_jobs',
  'operators',
  'records',
  'reports',
  'request_events',
  'requests',
  'responses',
  'submissions',
];
const UINT256_MAX = (2n ** 256n - 1n).toString();

const hex = (bytes: number): `0x${string}` => `0x${randomBytes(bytes).toString('hex')}`;
// jsonb keeps any JSON; its $type names what the product stores, so these storage tests cast their small stand-ins.
const stub = <T>(json: Record<string, unknown>): T => json as T;
const newRequest = (over: Partial<NewRequestRow> = {}): NewRequestRow => ({
  id: hex(32),
  consumer: hex(20),
  specHash: hex(32),
  specCid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
  spec: stub<RequestSpec>({ url: 'https://example.test/price', method: 'GET' }),
  quorum: 3,
  deadline: 1_900_000_000,
  fee: '1000000000000000000',
  txHash: hex(32),
  blockNumber: 12,
  ...over,
});

type Target = {
  /** Opens (or reopens) the database under test. */
  open(): Promise<DatabaseHandle>;
  dispose(): Promise<void>;
};

async function embeddedTarget(): Promise<Target> {
  const dataDir = await mkdtemp(join(tmpdir(), 'veritas-db-'));
  return {
    open: () => openDatabase({ dataDir, log }),
    dispose: () => rm(dataDir, { recursive: true, force: true }),
  };
}

// A fresh database per run on the server DATABASE_URL points at, so runs are repeatable and leave nothing behind.
async function serverTarget(adminUrl: string): Promise<Target> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const name = `veritas_test_${randomBytes(6).toString('hex')}`;
  await admin.unsafe(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    open: () => openDatabase({ url: url.toString(), dataDir: '/nonexistent-unused', log }),
    dispose: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

function databaseSuite(title: string, makeTarget: () => Promise<Target>, options: { skip?: string | false } = {}) {
  describe(title, { skip: options.skip ?? false }, () => {
    let target: Target;
    let handle: DatabaseHandle;

    before(async () => {
      target = await makeTarget();
      handle = await target.open();
    });
    after(async () => {
      await handle?.close();
      await target?.dispose();
    });

    it('applies every migration and creates every table', async () => {
      const rows = await handle.db.execute<{ table_name: string }>(
        sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
      );
      assert.deepEqual(
        rows.map((r) => r.table_name),
        TABLES,
      );
      const journal = JSON.parse(await readFile(join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as {
        entries: unknown[];
      };
      const applied = await handle.db.execute<{ n: number }>(
        sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
      );
      assert.equal(applied[0]?.n, journal.entries.length);
    });

    it('keeps data across close and reopen, and migrating again changes nothing', async () => {
      const row = newRequest({ fee: UINT256_MAX });
      await handle.db.insert(requests).values(row);
      await handle.close();
      await handle.close(); // idempotent
      handle = await target.open();
      const [back] = await handle.db.select().from(requests).where(eq(requests.id, row.id));
      assert.ok(back);
      assert.equal(back.fee, UINT256_MAX, 'uint256 wei amounts keep every digit');
      assert.equal(back.status, 'requested');
      assert.deepEqual(back.spec, row.spec);
      assert.ok(back.createdAt instanceof Date);
    });

    it('requests: status updates and filtering', async () => {
      const row = newRequest();
      await handle.db.insert(requests).values(row);
      await handle.db
        .update(requests)
        .set({ status: 'fulfilled', merkleRoot: hex(32), reportCid: 'bafyreport', fulfilledAt: new Date() })
        .where(eq(requests.id, row.id));
      const fulfilled = await handle.db.select().from(requests).where(eq(requests.status, 'fulfilled'));
      assert.deepEqual(
        fulfilled.map((r) => r.id),
        [row.id],
      );
      await assert.rejects(
        handle.db.execute(sql`update requests set status = 'bogus' where id = ${row.id}`),
        'status is constrained to the declared values',
      );
    });

    it('assignments: the notary can look up its provers', async () => {
      const requestId = hex(32);
      const [a, b, notary] = [hex(20), hex(20), hex(20)];
      await handle.db.insert(assignments).values([
        { requestId, prover: a, notary, position: 0 },
        { requestId, prover: b, notary: a, position: 1 },
      ]);
      const mine = await handle.db
        .select()
        .from(assignments)
        .where(and(eq(assignments.notary, notary), eq(assignments.requestId, requestId)));
      assert.deepEqual(
        mine.map((r) => r.prover),
        [a],
      );
      await assert.rejects(handle.db.insert(assignments).values({ requestId, prover: a, notary: b, position: 2 }));
    });

    it('request_events: an ordered timeline with increasing ids', async () => {
      const requestId = hex(32);
      const operator = hex(20) as `0x${string}`;
      await handle.db.insert(requestEvents).values({ requestId, source: 'api', stage: 'requested' });
      await handle.db
        .insert(requestEvents)
        .values({ requestId, source: operator, stage: 'attested', detail: { ms: 1200 } });
      await handle.db.insert(requestEvents).values({ requestId, source: 'aggregator', stage: 'fulfilled' });
      const events = await handle.db
        .select()
        .from(requestEvents)
        .where(eq(requestEvents.requestId, requestId))
        .orderBy(asc(requestEvents.id));
      assert.deepEqual(
        events.map((e) => [e.source, e.stage]),
        [
          ['api', 'requested'],
          [operator, 'attested'],
          ['aggregator', 'fulfilled'],
        ],
      );
      assert.ok(events[0]!.id < events[1]!.id && events[1]!.id < events[2]!.id);
      assert.deepEqual(events[1]!.detail, { ms: 1200 });
    });

    it('responses: pending by default, then a verdict with its reason', async () => {
      const requestId = hex(32);
      const prover = hex(20);
      await handle.db
        .insert(responses)
        .values({ requestId, prover, notary: hex(20), resultHash: hex(32), bundleCid: 'bafybundle', blockNumber: 40 });
      const [pending] = await handle.db.select().from(responses).where(eq(responses.requestId, requestId));
      assert.equal(pending?.verification, 'pending');
      await handle.db
        .update(responses)
        .set({
          verification: 'invalid',
          invalidCode: 'BAD_SIGNATURE',
          invalidMessage: 'notary signature does not recover',
        })
        .where(and(eq(responses.requestId, requestId), eq(responses.prover, prover)));
      const [judged] = await handle.db.select().from(responses).where(eq(responses.requestId, requestId));
      assert.equal(judged?.verification, 'invalid');
      assert.equal(judged?.invalidCode, 'BAD_SIGNATURE');
      assert.ok(judged!.updatedAt.getTime() >= pending!.updatedAt.getTime());
    });

    it('bundles: JSON content by CID, insert-once', async () => {
      const cid = `bafy${randomBytes(8).toString('hex')}`;
      const content = stub<ProvenanceBundle>({
        version: 1,
        transcript: { sent: 'R0VU', ranges: [[0, 3]] },
        value: 42.5,
      });
      await handle.db.insert(bundles).values({ cid, requestId: hex(32), prover: hex(20), content });
      await handle.db
        .insert(bundles)
        .values({ cid, requestId: hex(32), prover: hex(20), content: stub<ProvenanceBundle>({ other: true }) })
        .onConflictDoNothing();
      const [back] = await handle.db.select().from(bundles).where(eq(bundles.cid, cid));
      assert.deepEqual(back?.content, content);
    });

    it('reports and records: a report with its records and proofs', async () => {
      const requestId = hex(32);
      const root = hex(32);
      await handle.db.insert(reports).values({
        requestId,
        reportCid: 'bafyreport',
        merkleRoot: root,
        policyOutcome: {
          included: [hex(20), hex(20)],
          excluded: [{ prover: hex(20), code: 'OUTLIER', reason: 'outlier' }],
          value: 100,
        },
        recordCount: 2,
      });
      const leaves = [hex(32), hex(32)];
      await handle.db.insert(records).values(
        leaves.map((leafHash, index) => ({
          id: leafHash,
          requestId,
          index,
          value: { price: 100 + index },
          leafHash,
          proof: [leaves[1 - index]!],
          provenance: stub<DatasetRecord>({ bundles: ['bafy1', 'bafy2'] }),
        })),
      );
      const back = await handle.db
        .select()
        .from(records)
        .where(eq(records.requestId, requestId))
        .orderBy(asc(records.index));
      assert.deepEqual(
        back.map((r) => [r.index, r.value, r.proof]),
        [
          [0, { price: 100 }, [leaves[1]]],
          [1, { price: 101 }, [leaves[0]]],
        ],
      );
      await assert.rejects(
        handle.db.insert(records).values({ ...back[0]!, id: hex(32) }),
        'one record per (request, index)',
      );
      await handle.db
        .update(reports)
        .set({ fulfillTxHash: hex(32), fulfillBlockNumber: 99 })
        .where(eq(reports.requestId, requestId));
      const [report] = await handle.db.select().from(reports).where(eq(reports.requestId, requestId));
      assert.equal(report?.merkleRoot, root);
      assert.equal(report?.fulfillBlockNumber, 99);
    });

    it('operators: bond as uint256 and counters', async () => {
      const address = hex(20);
      await handle.db.insert(operators).values({ address, notaryUrl: 'ws://127.0.0.1:7001', bond: UINT256_MAX });
      await handle.db
        .update(operators)
        .set({ answered: sql`${operators.answered} + 1`, agreed: sql`${operators.agreed} + 1` })
        .where(eq(operators.address, address));
      const [op] = await handle.db.select().from(operators).where(eq(operators.address, address));
      assert.equal(op?.bond, UINT256_MAX);
      assert.deepEqual([op?.answered, op?.agreed, op?.invalid, op?.slashed, op?.status], [1, 1, 0, 0, 'active']);
    });

    it('evidence: recorded once per (request, notary, prover, kind)', async () => {
      const subject = { requestId: hex(32), notary: hex(20), prover: hex(20), kind: 'double_attestation' };
      const inserted = await handle.db
        .insert(evidence)
        .values({ ...subject, detail: { attestations: [1, 2] } })
        .returning({ id: evidence.id });
      const again = await handle.db
        .insert(evidence)
        .values({ ...subject, detail: { attestations: [1, 2] } })
        .onConflictDoNothing()
        .returning({ id: evidence.id });
      assert.equal(inserted.length, 1);
      assert.equal(again.length, 0);
    });

    it('chain_cursors: upsert the last processed block', async () => {
      const name = `test:${hex(4)}`;
      for (const lastBlock of [10, 25]) {
        await handle.db
          .insert(chainCursors)
          .values({ name, lastBlock })
          .onConflictDoUpdate({ target: chainCursors.name, set: { lastBlock } });
      }
      const [cursor] = await handle.db.select().from(chainCursors).where(eq(chainCursors.name, name));
      assert.equal(cursor?.lastBlock, 25);
    });

    it('operator_jobs: one job per (request, operator), attempts counted on upsert', async () => {
      const key = { requestId: hex(32), operator: hex(20) };
      const claim = () =>
        handle.db
          .insert(operatorJobs)
          .values({ ...key, state: 'queued', attempts: 1 })
          .onConflictDoUpdate({
            target: [operatorJobs.requestId, operatorJobs.operator],
            set: { attempts: sql`${operatorJobs.attempts} + 1`, lastError: 'notary unreachable' },
          })
          .returning();
      await claim();
      const [job] = await claim();
      assert.equal(job?.attempts, 2);
      assert.equal(job?.state, 'queued');
      assert.equal(job?.lastError, 'notary unreachable');
    });

    it('serves concurrent queries and keeps a transaction isolated from them', async () => {
      const requestId = hex(32);
      const rolledBack = hex(32);
      const inserts = Array.from({ length: 20 }, (_, i) =>
        handle.db.insert(requestEvents).values({ requestId, source: 'api', stage: `s${i}` }),
      );
      const tx = handle.db
        .transaction(async (t) => {
          await t.insert(requests).values(newRequest({ id: rolledBack }));
          const [seen] = await t.select().from(requests).where(eq(requests.id, rolledBack));
          assert.ok(seen, 'visible inside its own transaction');
          t.rollback();
        })
        .catch((e: unknown) => e);
      const reads = Array.from({ length: 20 }, () =>
        handle.db.select().from(requests).where(eq(requests.id, rolledBack)),
      );
      const [, , readResults] = await Promise.all([Promise.all(inserts), tx, Promise.all(reads)]);
      for (const r of readResults)
        assert.equal(r.length, 0, 'an uncommitted row is never seen outside its transaction');
      const count = await handle.db.$count(requestEvents, eq(requestEvents.requestId, requestId));
      assert.equal(count, 20);
      assert.equal(await handle.db.$count(requests, eq(requests.id, rolledBack)), 0);
    });
  });
}

databaseSuite('db on embedded PGlite', embeddedTarget);

databaseSuite('db on PostgreSQL (DATABASE_URL)', () => serverTarget(process.env.DATABASE_URL!), {
  skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set',
});

describe('db on PostgreSQL: concurrent starts', {
  skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set',
}, () => {
  let target: Target;
  const handles: DatabaseHandle[] = [];
  before(async () => {
    target = await serverTarget(process.env.DATABASE_URL!);
  });
  after(async () => {
    await Promise.all(handles.map((h) => h.close()));
    await target?.dispose();
  });

  it('three processes opening one fresh database apply the migrations once', async () => {
    const opened = await Promise.allSettled([target.open(), target.open(), target.open()]);
    for (const o of opened) if (o.status === 'fulfilled') handles.push(o.value);
    assert.deepEqual(
      opened.map((o) => o.status),
      ['fulfilled', 'fulfilled', 'fulfilled'],
    );
    const applied = await handles[0]!.db.execute<{ n: number }>(
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    );
    const journal = JSON.parse(await readFile(join(MIGRATIONS_DIR, 'meta', '_journal.json'), 'utf8')) as {
      entries: unknown[];
    };
    assert.equal(applied[0]?.n, journal.entries.length);
  });
});

describe('embedded database handle', () => {
  let dataDir: string;
  let handle: DatabaseHandle | undefined;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'veritas-db-'));
  });
  after(async () => {
    await handle?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('listens on loopback only and refuses a second open of the same directory', async () => {
    handle = await openDatabase({ dataDir: join(dataDir, 'nested', 'node'), log });
    assert.equal(handle.embedded, true);
    assert.match(handle.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    await assert.rejects(openDatabase({ dataDir: join(dataDir, 'nested', 'node'), log }), (e) =>
      isVeritasError(e, 'DB_ERROR'),
    );
    await handle.close();
    // closed: the directory can be opened again
    handle = await openDatabase({ dataDir: join(dataDir, 'nested', 'node'), log });
    assert.equal((await handle.db.execute<{ one: number }>(sql`select 1 as one`))[0]?.one, 1);
  });

  it('reports an unreachable external database as DB_ERROR', async () => {
    // port 1 on loopback: nothing listens there, the connection is refused at once
    await assert.rejects(openDatabase({ url: 'postgres://nobody:secret@127.0.0.1:1/none', dataDir, log }), (e) => {
      assert.ok(isVeritasError(e, 'DB_ERROR'));
      assert.doesNotMatch(e.message, /secret/);
      return true;
    });
  });
});
