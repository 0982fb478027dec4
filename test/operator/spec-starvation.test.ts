// Attack (issue 13, invariant 6): requests whose spec CID nobody serves must not hold the operator's session slots.
// An attacker pays a little more than an honest requester, so best-paid-first puts the junk first; each junk job then
// waits out its spec fetch timeout. The honest job, whose spec is pinned, must start without waiting for any of them.
//
// Test double: the work of a job (`answer`) is a recorder that first reads the request as the real one does
// (readRequest: chain reads and the hash-checked spec load from IPFS), because what is under test is which job gets a
// slot and when, not the MPC-TLS session. The chain, the hub's fees, the IPFS node (networking on, no peers: an
// unknown CID hangs until its timeout, as it does in production) and the job table are real.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { parseEther, type Address, type Hex } from 'viem';
import { hashJson } from '../../core/canonical.ts';
import { assignRequest, requestData } from '../../core/chain/contracts.ts';
import { createIpfs } from '../../core/ipfs.ts';
import { rootLogger } from '../../core/log.ts';
import { readRequest, type OperatorContext } from '../../operator/context.ts';
import { startJobs } from '../../operator/jobs.ts';
import { RequestSpec } from '../../schemas/spec.ts';
import { deployFixture, operatorChainContext, startChain } from '../support/chain.ts';
import { openTestDatabase } from '../support/database.ts';

const log = rootLogger().child({ test: 'spec-starvation' });
log.level = 'silent';
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

test('jobs with unfetchable spec CIDs do not hold the session slot a fetchable job needs', async () => {
  const chain = await startChain(10);
  cleanups.push(() => chain.anvil.stop());
  const v = await deployFixture(chain, { operatorCount: 3, minFeePerProver: parseEther('0.001') });
  const clients = { walletClient: v.consumer, publicClient: chain.publicClient };
  const dir = await mkdtemp(join(tmpdir(), 'veritas-spec-starvation-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const ipfs = await createIpfs({ dir: join(dir, 'ipfs'), network: 'loopback', log });
  cleanups.push(() => ipfs.stop());
  const deadline = Number((await chain.publicClient.getBlock()).timestamp) + 3000;
  const spec = RequestSpec.parse({
    url: 'https://fixture.test/v1/price',
    extract: { jsonPath: '$.price' },
    quorum: 2,
    deadline,
  });
  const post = async (specCid: string, fee: bigint): Promise<Hex> => {
    const placed = await requestData(clients, v.hub, {
      specHash: hashJson(spec),
      specCid,
      quorum: 2, // 3 operators, quorum 2: the hub samples all 3, so this operator has every job
      deadline: BigInt(deadline),
      fee,
    });
    await assignRequest(clients, v.hub, placed.requestId);
    return placed.requestId;
  };
  // the junk pays more, so it is first in line; its CIDs are well-formed but nobody has their blocks
  const junk: Hex[] = [];
  for (let i = 0; i < 2; i++)
    junk.push(await post(CID.create(1, 0x0200, await sha256.digest(randomBytes(32))).toString(), parseEther('0.02')));
  const honest = await post(await ipfs.addJson(spec), parseEther('0.01'));

  const db = await openTestDatabase(dir, log, cleanups);
  const wallet = v.operators[0]!;
  const chainContext = operatorChainContext(v, wallet);
  const { account } = chainContext;
  const ctx = {
    ...chainContext,
    ipfs,
    db: db.db,
    log,
  } as unknown as OperatorContext; // the scheduler and readRequest read only these

  // every stage the runner reports (a junk job's failed spec fetch is one), and when the honest job started, in order
  const events: string[] = [];
  let started!: () => void;
  const honestStarted = new Promise<void>((r) => (started = r));
  const jobs = startJobs(
    ctx,
    {
      onStage: async (requestId: Hex, stage: string) => {
        if (stage !== 'queued') events.push(`${junk.includes(requestId) ? 'junk' : 'honest'} ${stage}`);
      },
    } as never,
    {
      fromBlock: v.deployBlock,
      pollIntervalMs: 60_000, // the runner re-polls itself when a job ends
      concurrency: 1,
      maxAttempts: 1,
      backoffBaseMs: 1,
      answer: async (c, _deps, requestId) => {
        await readRequest(c, requestId, account.address.toLowerCase() as Address);
        events.push(`${junk.includes(requestId) ? 'junk' : 'honest'} answered`);
        if (requestId === honest) started();
        return { outcome: 'skipped', reason: 'closed' };
      },
    },
  );
  cleanups.push(() => jobs.stop());
  await honestStarted;
  await jobs.stop();
  assert.equal(
    events[0],
    'honest answered',
    `the honest job ran before any junk spec fetch gave up (events: ${events.join(', ')})`,
  );
  assert.ok(!events.includes('junk answered'), 'a job whose spec never loaded never took the session slot');
});
