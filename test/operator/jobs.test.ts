// The operator's scheduler (issue 13, "Economics that order work"): cheap jobs queued first must not hold back a
// well-paid one; a job past its deadline or whose request closed on-chain is never started; the concurrency cap holds.
//
// Test double: the work of a job (`answer`) is replaced by a recorder, because what is under test is which job the
// scheduler starts and when, not the MPC-TLS session (test/operator/operator.test.ts runs the real one). The chain,
// the hub, the fees and deadlines, and the job table are real.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { keccak256, parseEther, toHex, type Hex } from 'viem';
import { assignRequest, oracleHubAbi, requestData, sendContractCall } from '../../core/chain/contracts.ts';
import { chainCursors, operatorJobs } from '../../core/db/schema.ts';
import { rootLogger } from '../../core/log.ts';
import type { OperatorContext } from '../../operator/context.ts';
import { startJobs } from '../../operator/jobs.ts';
import { deployFixture, operatorChainContext, startChain } from '../support/chain.ts';
import { openTestDatabase } from '../support/database.ts';

const log = rootLogger().child({ test: 'operator-jobs' });
log.level = 'warn';
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});
const scratchDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'veritas-jobs-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
};

test('the best-paid open job starts first; past-deadline and closed ones never start; one at a time', async () => {
  const chain = await startChain(10);
  cleanups.push(() => chain.anvil.stop());
  // 3 operators, quorum 2: the hub samples 3 provers, so every operator is assigned every request
  const v = await deployFixture(chain, { operatorCount: 3, minFeePerProver: parseEther('0.001') });
  const clients = { walletClient: v.consumer, publicClient: chain.publicClient };
  const head = async () => Number((await chain.publicClient.getBlock()).timestamp);
  const post = async (fee: bigint, deadlineIn: number, tag: string): Promise<Hex> => {
    const specHash = keccak256(toHex(tag));
    const placed = await requestData(clients, v.hub, {
      specHash,
      specCid: `bafy-${tag}`,
      quorum: 2,
      deadline: BigInt((await head()) + deadlineIn),
      fee,
    });
    await assignRequest(clients, v.hub, placed.requestId);
    return placed.requestId;
  };
  const floor = parseEther('0.003'); // 0.001 per sampled prover × 3
  // eight minimum-fee jobs, created first, with deadlines that *decrease* (so the tie-break is visible)
  const cheap: Hex[] = [];
  for (let i = 0; i < 8; i++) cheap.push(await post(floor, 3000 - i * 100, `cheap-${i}`));
  const soon = await post(floor * 50n, 120, 'well-paid-but-will-pass-its-deadline');
  const closed = await post(floor * 40n, 120, 'well-paid-but-will-be-expired');
  await chain.testClient.increaseTime({ seconds: 200 });
  await chain.testClient.mine({ blocks: 1 });
  await sendContractCall(clients, { address: v.hub, abi: oracleHubAbi, functionName: 'expire', args: [closed] });
  const paid = await post(floor * 10n, 2000, 'well-paid');

  const db = await openTestDatabase(await scratchDir(), log, cleanups);
  const wallet = v.operators[0]!;
  const ctx = {
    ...operatorChainContext(v, wallet),
    db: db.db,
    log,
  } as unknown as OperatorContext; // the scheduler reads only these; `answer` below does the rest

  const started: Hex[] = [];
  let running = 0;
  let maxRunning = 0;
  const all = cheap.length + 1;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const jobs = startJobs(ctx, { onStage: () => {} } as never, {
    fromBlock: v.deployBlock,
    pollIntervalMs: 60_000, // the runner re-polls itself when a job ends
    concurrency: 1,
    maxAttempts: 2,
    backoffBaseMs: 1,
    prepare: async () => undefined, // the specs are not on IPFS here (test/operator/spec-starvation.test.ts loads them)
    answer: async (_ctx, _deps, requestId) => {
      started.push(requestId);
      maxRunning = Math.max(maxRunning, ++running);
      await new Promise((r) => setImmediate(r));
      running--;
      if (started.length === all) done();
      return { outcome: 'skipped', reason: 'closed' };
    },
  });
  cleanups.push(() => jobs.stop());
  await finished;
  await jobs.stop();

  assert.equal(started[0], paid, 'the well-paid job starts before eight cheaper ones queued earlier');
  assert.deepEqual(started.slice(1), [...cheap].reverse(), 'equal fees: the nearest deadline first');
  assert.equal(maxRunning, 1, 'the concurrency cap holds');
  assert.ok(!started.includes(soon) && !started.includes(closed), 'past-deadline and expired requests never start');
  const rows = await db.db.select().from(operatorJobs);
  const state = (id: Hex) => rows.find((r) => r.requestId === id)?.state;
  assert.equal(state(soon), 'skipped');
  assert.equal(state(closed), 'skipped');
  assert.equal(rows.find((r) => r.requestId === paid)?.feePerProver, ((floor * 10n) / 3n).toString());
  const [soonRow] = await db.db.select().from(operatorJobs).where(eq(operatorJobs.requestId, soon));
  assert.match(soonRow!.lastError ?? '', /deadline/);
});

// Issue 16: the cursor is not rewritten for block ranges without `Assigned` logs (a transaction per block per
// operator when idle); a restart rescans from the last recorded range and still finds every job, none twice.
test('an empty block range leaves the cursor behind; a restarted runner still finds new jobs and repeats none', async () => {
  const chain = await startChain(10);
  cleanups.push(() => chain.anvil.stop());
  const v = await deployFixture(chain, { operatorCount: 3, minFeePerProver: parseEther('0.001') });
  const clients = { walletClient: v.consumer, publicClient: chain.publicClient };
  const post = async (tag: string): Promise<Hex> => {
    const now = Number((await chain.publicClient.getBlock()).timestamp);
    const placed = await requestData(clients, v.hub, {
      specHash: keccak256(toHex(tag)),
      specCid: `bafy-${tag}`,
      quorum: 2,
      deadline: BigInt(now + 3000),
      fee: parseEther('0.003'),
    });
    await assignRequest(clients, v.hub, placed.requestId);
    return placed.requestId;
  };
  const db = await openTestDatabase(await scratchDir(), log, cleanups);
  // The runner's chain reads, observed: a fresh head every time (no viem cache), and each range's end as it is scanned.
  const base = operatorChainContext(v, v.operators[0]!);
  let scanned = -1n;
  let onScan = () => {};
  const publicClient = new Proxy(base.publicClient, {
    get(t, k, r) {
      if (k === 'getBlockNumber') return (a?: object) => t.getBlockNumber({ ...a, cacheTime: 0 });
      if (k === 'getContractEvents')
        return async (a: Parameters<typeof t.getContractEvents>[0]) => {
          const logs = await t.getContractEvents(a);
          scanned = BigInt(a.toBlock as bigint);
          onScan();
          return logs;
        };
      return Reflect.get(t, k, r) as unknown;
    },
  });
  const ctx = { ...base, publicClient, db: db.db, log } as unknown as OperatorContext;
  const cursor = async () => {
    const rows = await db.db.select().from(chainCursors);
    assert.equal(rows.length, 1);
    return BigInt(rows[0]!.lastBlock);
  };
  const run = async (expect: Hex) => {
    const started: Hex[] = [];
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    const jobs = startJobs(ctx, { onStage: () => {} } as never, {
      fromBlock: v.deployBlock,
      pollIntervalMs: 60_000,
      concurrency: 1,
      maxAttempts: 1,
      backoffBaseMs: 1,
      prepare: async () => undefined,
      answer: async (_ctx, _deps, requestId) => {
        started.push(requestId);
        if (requestId === expect) done();
        return { outcome: 'skipped', reason: 'closed' };
      },
    });
    cleanups.push(() => jobs.stop());
    await finished;
    return { jobs, started };
  };

  const a = await post('a');
  const first = await run(a);
  const recorded = await cursor();
  await chain.testClient.mine({ blocks: 3 });
  const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
  const reached = new Promise<void>((r) => (onScan = () => scanned >= head && r()));
  first.jobs.poke(); // scans the three empty blocks; stop waits for the tick to end
  await reached;
  await first.jobs.stop();
  assert.deepEqual(first.started, [a]);
  assert.equal(await cursor(), recorded, 'empty blocks do not move the recorded cursor');
  assert.ok(recorded < head);

  const b = await post('b');
  const second = await run(b);
  await second.jobs.stop();
  assert.deepEqual(second.started, [b], 'the restarted runner finds the new job and does not rerun the old one');
  assert.ok((await cursor()) > head, 'the range holding the new job is recorded');
});
