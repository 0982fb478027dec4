// Attack (issue 13, invariant 6): requests that can never be served must not loop in the aggregator. An unfetchable
// spec CID and a spec whose bytes do not hash to the on-chain specHash are tried a bounded number of times (the count
// is persisted, so a restart does not reset it), then ended with the reason on their timeline, and expired
// (refundable) once their deadline passes, while a good request posted beside them is fulfilled.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { parseEther, type Hex } from 'viem';
import { hashJson } from '../../core/canonical.ts';
import { oracleHubAbi, requestData, requestParamsOf } from '../../core/chain/contracts.ts';
import { aggregatorWork, requestEvents } from '../../core/db/schema.ts';
import { createIpfs } from '../../core/ipfs.ts';
import { rootLogger } from '../../core/log.ts';
import { startAggregator, type Aggregator } from '../../aggregator/service.ts';
import { RequestSpec } from '../../schemas/spec.ts';
import { aggregatorOptions, useCleanups, worldDatabase } from '../support/aggregator.ts';
import { baseSpec, makeBundle, placeRequest, respond, startWorld } from '../verify/world.ts';

const log = rootLogger().child({ test: 'aggregator-bounded' });
log.level = 'silent';
const cleanups = useCleanups();

test('unfetchable and mismatching specs end after bounded attempts and expire; a good request is fulfilled', async () => {
  const world = await startWorld({ operators: 3 });
  cleanups.push(() => world.close());
  const db = await worldDatabase(world, 'agg', log, cleanups);
  // The aggregator's own node has networking on (loopback, no peers): a missing CID is a timeout it may retry, as on
  // a real network, not the offline node's final NOT_FOUND. The world's documents are copied in (same CIDs).
  const ipfs = await createIpfs({ dir: join(world.dir, 'agg-ipfs'), network: 'loopback', log });
  cleanups.push(() => ipfs.stop());
  const clients = { walletClient: world.consumer, publicClient: world.publicClient };
  const now = Number((await world.publicClient.getBlock()).timestamp);
  const fee = parseEther('0.01');
  const spec = RequestSpec.parse(baseSpec({ quorum: 1, aggregation: { policy: 'exact' }, deadline: now + 300 }));

  // 1. a CID nobody has (the offline node cannot fetch it)
  const missing = CID.create(1, 0x0200, await sha256.digest(randomBytes(32))).toString();
  const unfetchable = await requestData(clients, world.deployment.hub, {
    specHash: hashJson(spec),
    specCid: missing,
    params: requestParamsOf(spec),
    fee,
  });
  // 2. a pinned spec whose bytes are not the ones the on-chain specHash names
  const pinned = await ipfs.addJson(spec);
  const mismatching = await requestData(clients, world.deployment.hub, {
    specHash: hashJson({ ...spec, url: 'https://fixture.test/v1/other' }),
    specCid: pinned,
    params: requestParamsOf(spec),
    fee,
  });
  // 3. a good request, answered
  const good = await placeRequest(world, baseSpec({ quorum: 1, aggregation: { policy: 'exact' } }));
  const bundle = await makeBundle(world, good, good.provers[0]!, { body: JSON.stringify({ price: 7 }) });
  assert.equal(await ipfs.addJson(bundle), await respond(world, bundle));
  assert.equal(await ipfs.addJson(good.spec), good.specCid);

  const maxAttempts = 3;
  const options = aggregatorOptions(world, db, log, {
    ipfs,
    // no backoff, so every tick below is a new attempt: the bound is the attempt count, not the clock
    limits: { concurrency: 4, requestTimeoutMs: 20_000, specTimeoutMs: 300, maxAttempts, backoffBaseMs: 0 },
  });
  let agg: Aggregator = startAggregator(options);
  cleanups.push(() => agg.stop());
  for (let i = 0; i < 6; i++) await agg.tick();

  const events = (name: 'RequestFulfilled' | 'RequestExpired', requestId: Hex) =>
    world.publicClient.getContractEvents({
      address: world.deployment.hub,
      abi: oracleHubAbi,
      eventName: name,
      args: { requestId },
      fromBlock: world.deployment.deployBlock,
    });
  assert.equal((await events('RequestFulfilled', good.requestId)).length, 1, 'the good request is fulfilled');

  const work = async (requestId: Hex) =>
    (await db.db.select().from(aggregatorWork).where(eq(aggregatorWork.requestId, requestId)))[0];
  const ended = async (requestId: Hex) =>
    db.db
      .select()
      .from(requestEvents)
      .where(and(eq(requestEvents.requestId, requestId), eq(requestEvents.stage, 'ended')));
  const u = await work(unfetchable.requestId);
  assert.equal(u?.attempts, maxAttempts, 'the unfetchable spec was tried exactly maxAttempts times');
  assert.ok(u?.endedCode, 'then the request was ended');
  assert.match(u!.endedReason ?? '', /gave up after 3 failed attempts/);
  const m = await work(mismatching.requestId);
  assert.equal(m?.attempts, 1, 'a spec-hash mismatch is final at once');
  assert.equal(m?.endedCode, 'SPEC_HASH_MISMATCH');
  assert.equal((await ended(unfetchable.requestId)).length, 1, 'why it ended is on its timeline, once');
  assert.equal((await ended(mismatching.requestId)).length, 1);
  assert.equal((await events('RequestExpired', unfetchable.requestId)).length, 0, 'not before its deadline');

  // a restarted aggregator keeps the count: nothing is retried
  await agg.stop();
  agg = startAggregator(options);
  for (let i = 0; i < 3; i++) await agg.tick();
  assert.equal((await work(unfetchable.requestId))?.attempts, maxAttempts);
  assert.equal((await work(mismatching.requestId))?.attempts, 1);

  // past the deadline both are expired: the consumer's fee is refundable
  await world.testClient.increaseTime({ seconds: 400 });
  await world.testClient.mine({ blocks: 1 });
  await agg.tick();
  await agg.tick();
  for (const r of [unfetchable, mismatching]) {
    const [expired] = await events('RequestExpired', r.requestId);
    assert.ok(expired, `${r.requestId} expired`);
    assert.equal((expired.args as { refund?: bigint }).refund, fee);
  }
  assert.equal((await work(unfetchable.requestId))?.attempts, maxAttempts);
  assert.ok(agg.stats().passMs.length >= 2, 'pass durations are recorded');
});
