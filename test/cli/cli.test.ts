// The CLI as a script sees it: the real `veritas` process spawned against a real API (PGlite, Helia, anvil), its
// stdout parsed as JSON Lines, and one exit code per failure class. The request's fulfilment is written into the
// database the way the aggregator writes it (test/api/harness.ts does the same): this file is about the CLI process,
// not about the network producing the data, which test/e2e covers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { eq } from 'drizzle-orm';
import type { Hex } from 'viem';
import { hashJson } from '../../core/canonical.ts';
import { records, reports, requestEvents, requests } from '../../core/db/schema.ts';
import { buildRecordTree } from '../../core/merkle.ts';
import type { DatasetRecord } from '../../schemas/record.ts';
import type { RunningApi } from '../../api/app.ts';
import { startApi } from '../../api/app.ts';
import { commands } from '../../cli/commands/index.ts';
import { EXIT } from '../../cli/exit.ts';
import { API_KEY, type Env, seedFulfilled, startEnv } from '../api/harness.ts';

const CLI = join(import.meta.dirname, '../../cli/veritas.ts');
let env: Env;
let api: RunningApi;

before(async () => {
  env = await startEnv();
  api = await startApi(env.deps());
});
after(async () => {
  await api?.close();
  await env?.close();
});

type Run = { code: number | null; stdout: string; stderr: string };

/** Spawns the CLI with only the documented environment; `onStderrLine` sees progress as it comes. */
function veritas(args: string[], extraEnv: Record<string, string> = {}, onStderrLine?: (line: string) => void) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', VERITAS_API_URL: api.url, VERITAS_API_KEY: API_KEY, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderr += `${line}\n`;
    onStderrLine?.(line);
  });
  return new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const jsonl = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Writes `count` records and the fulfilled status for a request the CLI created, as the aggregator would. */
async function fulfil(requestId: string, count: number): Promise<void> {
  const { db } = env.db;
  const [row] = await db.select().from(requests).where(eq(requests.id, requestId));
  assert.ok(row, 'the API recorded the request');
  const recs: DatasetRecord[] = Array.from({ length: count }, (_, index) => ({
    version: 1,
    chainId: 31337,
    hub: env.v.hub.toLowerCase() as Hex,
    requestId: requestId as Hex,
    index,
    value: 100 + index,
    url: 'https://api.example.test/v1/datasets/42',
    specCid: row.specCid,
    extract: { jsonPath: '$.rows' },
    policy: { policy: 'exact' },
    trust: 'devnet',
    sources: [
      {
        prover: `0x${'11'.repeat(20)}`,
        notary: `0x${'22'.repeat(20)}`,
        bundleCid: row.specCid,
        serverName: 'api.example.test',
        tlsTime: 1_700_000_000,
        resultHash: hashJson(100 + index),
        value: 100 + index,
      },
    ],
  }));
  const tree = buildRecordTree(
    // the export serves what the database holds: any value hash, as long as the proofs use the same
    recs.map((r) => ({
      requestId: requestId as Hex,
      index: r.index,
      valueHash: hashJson('cli'),
      recordHash: hashJson(r),
    })),
  );
  for (const r of recs)
    await db.insert(records).values({
      id: tree.leafHash(r.index),
      requestId,
      index: r.index,
      value: r.value,
      leafHash: tree.leafHash(r.index),
      proof: tree.proof(r.index),
      provenance: r,
    });
  await db.insert(reports).values({
    requestId,
    reportCid: row.specCid,
    merkleRoot: tree.root,
    policyOutcome: {} as never, // the CLI's export reads only the records and the root
    recordCount: count,
    fulfillTxHash: null,
    fulfillBlockNumber: null,
  });
  await db.insert(requestEvents).values({ requestId, source: 'aggregator', stage: 'fulfilled', detail: {} });
  await db
    .update(requests)
    .set({ status: 'fulfilled', merkleRoot: tree.root, reportCid: row.specCid, fulfilledAt: new Date() })
    .where(eq(requests.id, requestId));
}

test('`veritas request --json --wait` prints every record as one JSON line and progress as JSON lines', async () => {
  let fulfilling: Promise<void> | undefined;
  const run = await veritas(
    [
      'request',
      'https://api.example.test/v1/datasets/42',
      '--json-path',
      '$.rows',
      '--quorum',
      '2',
      '--max-response-bytes',
      '2048',
      '--records',
      'array',
      '--wait',
      '--json',
    ],
    {},
    (line) => {
      const e = JSON.parse(line) as { event: string; requestId?: string };
      if (e.event === 'created') fulfilling = fulfil(e.requestId!, 3);
    },
  );
  await fulfilling;
  assert.equal(run.code, EXIT.OK, run.stderr);
  const lines = jsonl(run.stdout);
  assert.equal(lines.length, 3);
  for (const [i, l] of lines.entries()) {
    assert.equal((l.record as { index: number }).index, i);
    assert.match(String(l.merkleRoot), /^0x[0-9a-f]{64}$/);
  }
  const events = jsonl(run.stderr).map((e) => e.event);
  assert.deepEqual([events[0], events.at(-1)], ['created', 'records']);
  assert.ok(events.includes('end'));
  // the spec field given as a flag reached the pinned spec
  const [row] = await env.db.db
    .select()
    .from(requests)
    .where(eq(requests.id, String(jsonl(run.stderr)[0]!.requestId)));
  assert.equal((row!.spec as { maxResponseBytes: number }).maxResponseBytes, 2048);
});

test('a failed stage prints its error code and ends the wait at once with exit 4', async () => {
  const seeded = await seedFulfilled(env, { status: 'assigned' });
  await env.db.db.insert(requestEvents).values({
    requestId: seeded.requestId,
    source: seeded.provers[0]!,
    stage: 'failed',
    detail: { code: 'EXTRACTION_FAILED', message: '$.rows matched nothing', attempts: 1 },
  });
  const run = await veritas(['requests', 'wait', seeded.requestId]);
  assert.equal(run.code, EXIT.REQUEST_FAILED, run.stderr);
  assert.match(run.stderr, /EXTRACTION_FAILED/);
});

test('over-sampling: one failed prover does not end the wait while the others can still reach the quorum', async () => {
  const seeded = await seedFulfilled(env, { status: 'assigned' });
  // the timeline as the indexer writes it: quorum 1 of the two assigned provers
  await env.db.db.insert(requestEvents).values([
    { requestId: seeded.requestId, source: 'indexer', stage: 'requested', detail: { quorum: 1 } },
    { requestId: seeded.requestId, source: 'indexer', stage: 'assigned', detail: { provers: seeded.provers } },
    {
      requestId: seeded.requestId,
      source: seeded.provers[0]!,
      stage: 'failed',
      detail: { code: 'SESSION_TIMEOUT', message: 'the notary went silent', attempts: 3 },
    },
  ]);
  let ended: Promise<unknown> | undefined;
  const run = await veritas(['requests', 'wait', seeded.requestId, '--json'], {}, (line) => {
    // the failure was shown and the CLI waits on: the request then ends, here by expiry
    if (!ended && line.includes('"stage":"failed"'))
      ended = env.db.db
        .update(requests)
        .set({ status: 'expired' })
        .where(eq(requests.id, seeded.requestId))
        .then(() => undefined);
  });
  await ended;
  assert.ok(ended, run.stderr);
  assert.equal(run.code, EXIT.REQUEST_FAILED, run.stderr);
  assert.equal(jsonl(run.stderr).at(-1)!.code, 'REQUEST_EXPIRED', 'it waited past the failure, to the end');
});

test('an expired request ends the wait with exit 4', async () => {
  const seeded = await seedFulfilled(env, { status: 'assigned' });
  await env.db.db.update(requests).set({ status: 'expired' }).where(eq(requests.id, seeded.requestId));
  const run = await veritas(['requests', 'wait', seeded.requestId, '--json']);
  assert.equal(run.code, EXIT.REQUEST_FAILED, run.stderr);
  assert.equal(jsonl(run.stderr).at(-1)!.code, 'REQUEST_EXPIRED');
});

test('a record that does not verify exits 5, naming the failed check', async () => {
  // seeded records are not on this chain: the on-chain root check fails, which is a verification failure
  const seeded = await seedFulfilled(env);
  const proved = await (await fetch(`${api.url}/v1/records/${seeded.recordIds[0]}`)).json();
  const file = join(env.dir, 'record.json');
  await writeFile(file, JSON.stringify(proved));
  const run = await veritas(['verify', file, '--json'], {
    VERITAS_RPC_URL: env.v.chain.anvil.rpcUrl,
    VERITAS_HUB_ADDRESS: env.v.hub,
    VERITAS_ACCEPT_DEVNET_PROOFS: 'true',
  });
  assert.equal(run.code, EXIT.VERIFICATION_FAILED, run.stderr);
  const [result] = jsonl(run.stdout);
  assert.equal(result!.ok, false);
  assert.equal(typeof result!.failed, 'string');
});

test('usage, input, network: each failure class has its own exit code', async () => {
  assert.equal((await veritas(['request', '--no-such-flag'])).code, EXIT.USAGE);
  assert.equal((await veritas(['no-such-command'])).code, EXIT.USAGE);
  const both = await veritas(['request', 'https://a.test/', '--json-path', '$.a', '--regex', 'a', '--json']);
  assert.equal(both.code, EXIT.INPUT);
  assert.equal(jsonl(both.stderr).at(-1)!.code, 'INPUT_INVALID');
  assert.equal((await veritas(['requests', 'list'], { VERITAS_API_PORT: 'not-a-port' })).code, EXIT.INPUT);
  const down = await veritas(['requests', 'list', '--json'], { VERITAS_API_URL: 'http://127.0.0.1:1' });
  assert.equal(down.code, EXIT.NETWORK);
  assert.equal(jsonl(down.stderr).at(-1)!.code, 'SERVER_UNREACHABLE');
});

test('`requests list` pages to the end, and with --limit says where it stopped', async () => {
  const consumer = `0x${'c0'.repeat(20)}` as Hex;
  for (let i = 0; i < 5; i++) await seedFulfilled(env, { consumer });
  const all = await veritas(['requests', 'list', '--consumer', consumer, '--json']);
  assert.equal(all.code, EXIT.OK, all.stderr);
  assert.equal(jsonl(all.stdout).length, 5);
  assert.deepEqual(jsonl(all.stderr).at(-1), { event: 'end', count: 5, complete: true });
  const some = await veritas(['requests', 'list', '--consumer', consumer, '--limit', '2', '--json']);
  assert.equal(jsonl(some.stdout).length, 2);
  const stop = jsonl(some.stderr).at(-1)!;
  assert.equal(stop.complete, false);
  const rest = await veritas([
    'requests',
    'list',
    '--consumer',
    consumer,
    '--cursor',
    String(stop.nextCursor),
    '--json',
  ]);
  assert.equal(jsonl(rest.stdout).length, 3);
});

test('NO_COLOR and a redirected output carry no escape codes', async () => {
  const run = await veritas(['request', '--help'], { NO_COLOR: '1' });
  assert.ok(!(run.stdout + run.stderr).includes('\x1b['));
});

test('--help of every command exits 0 and documents it', async () => {
  const program = new Command('veritas');
  for (const register of commands) register(program);
  const paths: string[][] = [];
  const walk = (c: Command, prefix: string[]) => {
    for (const sub of c.commands) {
      paths.push([...prefix, sub.name()]);
      walk(sub, [...prefix, sub.name()]);
    }
  };
  walk(program, []);
  assert.ok(paths.length >= 8);
  for (const p of paths) {
    const run = await veritas([...p, '--help']);
    assert.equal(run.code, EXIT.OK, `${p.join(' ')}: ${run.stderr}`);
    assert.match(run.stdout, new RegExp(`Usage: veritas ${p.join(' ')}`));
  }
  const top = await veritas(['--help']);
  assert.match(top.stdout, /Exit codes:/);
});

test('`requests list --mine` lists the requests of VERITAS_PRIVATE_KEY’s address only', async () => {
  const key = `0x${'5a'.repeat(32)}` as Hex;
  const { privateKeyToAccount } = await import('viem/accounts');
  const mine = privateKeyToAccount(key).address.toLowerCase() as Hex;
  for (let i = 0; i < 2; i++) await seedFulfilled(env, { consumer: mine });
  await seedFulfilled(env, { consumer: `0x${'c1'.repeat(20)}` as Hex });
  const run = await veritas(['requests', 'list', '--mine', '--json'], { VERITAS_PRIVATE_KEY: key });
  assert.equal(run.code, EXIT.OK, run.stderr);
  const listed = jsonl(run.stdout);
  assert.equal(listed.length, 2);
  assert.ok(listed.every((r) => String(r.consumer).toLowerCase() === mine));
  const keyless = await veritas(['requests', 'list', '--mine', '--json']);
  assert.equal(keyless.code, EXIT.INPUT);
  assert.equal(jsonl(keyless.stderr).at(-1)!.field, 'VERITAS_PRIVATE_KEY');
});
