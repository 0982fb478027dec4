// The aggregator runs the complete record check (core/verify/record.ts `checkRecord`, the rule `veritas verify`
// applies) on its own records before `fulfill` (issue 11): a record that would not verify is never committed; the
// failure is stored as evidence and ends the request. An honest aggregator on the same request fulfils.
//
// No honest path builds a wrong record, so the test injects one through the aggregator's test hook: the report's
// inputs lose a source, which yields a self-consistent record (hashes and tree agree) that names fewer sources than
// the policy included — exactly what `veritas verify` refuses, and what the hub would have accepted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eq } from 'drizzle-orm';
import { oracleHubAbi } from '../../core/chain/contracts.ts';
import { aggregatorWork, evidence } from '../../core/db/schema.ts';
import { rootLogger } from '../../core/log.ts';
import { startAggregator } from '../../aggregator/service.ts';
import { aggregatorOptions, useCleanups, worldDatabase } from '../support/aggregator.ts';
import { baseSpec, makeBundle, placeRequest, respond, startWorld } from '../verify/world.ts';

const log = rootLogger().child({ test: 'aggregator-record-check' });
log.level = 'silent';
const cleanups = useCleanups();

test('a record that would fail `veritas verify` is refused before fulfil; the honest one is fulfilled', async () => {
  const world = await startWorld({ operators: 3 });
  cleanups.push(() => world.close());
  const req = await placeRequest(world, baseSpec({ quorum: 2, aggregation: { policy: 'median', madK: 3 } }));
  for (const [i, prover] of req.provers.entries())
    await respond(world, await makeBundle(world, req, prover, { body: JSON.stringify({ price: 100 + i }) }));
  const fulfilled = async () =>
    (
      await world.publicClient.getContractEvents({
        address: world.deployment.hub,
        abi: oracleHubAbi,
        eventName: 'RequestFulfilled',
        args: { requestId: req.requestId },
        fromBlock: world.deployment.deployBlock,
      })
    ).length;
  const options = async (name: string) =>
    aggregatorOptions(world, await worldDatabase(world, name, log, cleanups), log, {
      limits: { maxAttempts: 3, backoffBaseMs: 0 },
    });

  const wrong = await options('wrong');
  const dropped: string[] = [];
  const bad = startAggregator({
    ...wrong,
    hooks: {
      beforeBuildReport: (input) => {
        dropped.push(input.sources.at(-1)!.bundle.prover);
        return { ...input, sources: input.sources.slice(0, -1) };
      },
    },
  });
  cleanups.push(() => bad.stop());
  for (let i = 0; i < 4; i++) await bad.tick();
  assert.ok(dropped.length >= 1, 'the hook built the wrong report');
  assert.equal(await fulfilled(), 0, 'the wrong record was never committed');
  const [ev] = await wrong.db.select().from(evidence).where(eq(evidence.requestId, req.requestId));
  assert.equal(ev?.kind, 'record_check_failed');
  const failed = (ev!.detail as { failed: { name: string }[] }).failed.map((f) => f.name);
  assert.ok(failed.includes('sources'), `failed checks: ${failed.join(', ')}`);
  const [work] = await wrong.db.select().from(aggregatorWork).where(eq(aggregatorWork.requestId, req.requestId));
  assert.ok(work?.endedCode, 'the request ended (it expires at its deadline)');
  assert.equal(work?.attempts, 1, 'a failed record check is final, not retried');
  await bad.stop();

  const good = startAggregator(await options('honest'));
  cleanups.push(() => good.stop());
  await good.tick();
  await good.tick();
  assert.equal(await fulfilled(), 1, 'the honest aggregator fulfils the same request');
});
