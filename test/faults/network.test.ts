// Quick fault tests (run in CI): Byzantine operators, a prover that never answers, the API restarted under a live SSE
// stream — on the network of ./network.ts (everything real except the MPC-TLS sessions, replaced by genuinely signed
// bundles). The same faults with real sessions are in ./*.slow.ts (`npm run faults`).
//
// Covered elsewhere, not repeated here:
// - the aggregator SIGKILLed between verification and fulfilment, then restarted → exactly one RequestFulfilled:
//   test/aggregator/service.test.ts ('SIGKILL between verification and fulfilment …'; `npm run faults` runs it too);
// - SSE resumption after Last-Event-ID on the server side: test/api/api.test.ts. Here the client side is tested: the
//   CLI's `follow` (cli/commands/client.ts) against a restarted API while the request progresses.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { eq } from 'drizzle-orm';
import { parseEther, type Address, type Hex } from 'viem';
import { evidence, requestEvents, responses } from '../../core/db/schema.ts';
import { getOperatorRegistry, oracleHubAbi } from '../../core/chain/contracts.ts';
import { toContractAttestation } from '../../core/chain/attestation.ts';
import { encodeTranscript } from '../../schemas/transcript.ts';
import type { ProvenanceBundle } from '../../schemas/bundle.ts';
import { apiClient } from '../../cli/commands/client.ts';
import { exchange, makeBundle, respond, type PlacedRequest } from '../verify/world.ts';
import { API_KEY, hubEvents, requestStatus, startFaultNetwork, until, type FaultNetwork } from './network.ts';

let net: FaultNetwork;
before(async () => {
  // 4 operators: quorum 2 draws 3 provers, and still does after the equivocation test slashes one notary (a bond
  // below the minimum leaves the active set)
  net = await startFaultNetwork({ operators: 4 });
});
after(async () => {
  await net?.close();
});

const price = (p: number) => JSON.stringify({ price: p });

/** Sends `respond` from `prover` with attestation `onChain` but pins `pinned` as its bundle (an equivocating pair). */
async function respondWith(req: PlacedRequest, onChain: ProvenanceBundle, pinned: ProvenanceBundle): Promise<string> {
  const cid = await net.world.ipfs.addJson(pinned);
  const op = net.world.operator(onChain.prover);
  const hash = await op.wallet.writeContract({
    address: net.world.deployment.hub,
    abi: oracleHubAbi,
    functionName: 'respond',
    args: [req.requestId, cid, toContractAttestation(onChain.attestation) as never, onChain.notarySignature as Hex],
  });
  assert.equal((await net.world.publicClient.waitForTransactionReceipt({ hash })).status, 'success');
  return cid;
}

const fulfilledOnce = async (requestId: Hex) => {
  await until(
    net,
    async () => ((await requestStatus(net.world, requestId)) === 'fulfilled' ? true : undefined),
    `fulfilment of ${requestId}`,
  );
  const logs = await hubEvents(net.world, 'RequestFulfilled', requestId);
  assert.equal(logs.length, 1, 'exactly one RequestFulfilled');
  return logs[0]!;
};

const responseRow = async (requestId: Hex, prover: Address) =>
  (await net.db.db.select().from(responses).where(eq(responses.requestId, requestId))).find((r) => r.prover === prover);

describe('Byzantine operators', () => {
  test('a prover publishing a forged bundle is excluded with the failed check recorded; the honest quorum fulfils', async () => {
    const req = await net.post({ quorum: 2 }); // the hub draws 3 provers
    assert.equal(req.provers.length, 3);
    const [byzantine, ...honest] = req.provers as [Address, Address, Address];
    // The forger's notary attested the real response (64000.5); the forger pins a transcript and value saying 1.00,
    // re-signed with its own key, and responds on-chain with the attestation it got (the only one the hub accepts).
    const genuine = await makeBundle(net.world, req, byzantine, { body: price(64_000.5) });
    const forgedExchange = exchange(price(1));
    const forged = await makeBundle(net.world, req, byzantine, {
      body: price(64_000.5),
      tamper: (b) => ({ ...b, transcript: encodeTranscript(forgedExchange), value: 1 }),
    });
    assert.equal(forged.attestation.resultHash, genuine.attestation.resultHash);
    // the forgery arrives first, so it is judged before the honest quorum can close the request
    const forgedCid = await respond(net.world, forged);
    await until(
      net,
      async () => (await responseRow(req.requestId, byzantine))?.verification === 'invalid' || undefined,
      'the forged bundle judged',
    );
    for (const p of honest) await respond(net.world, await makeBundle(net.world, req, p, { body: price(64_000.5) }));

    const fulfilled = await fulfilledOnce(req.requestId);
    assert.deepEqual(
      new Set((fulfilled.args as { included: readonly Address[] }).included.map((a) => a.toLowerCase())),
      new Set(honest),
    );
    const row = await responseRow(req.requestId, byzantine);
    assert.equal(row?.verification, 'invalid');
    assert.equal(row?.bundleCid, forgedCid);
    assert.match(row?.invalidMessage ?? '', /transcript-hashes/, 'names the failed check');
    assert.ok(row?.invalidCode, 'with a stable code');
    // the honest provers are paid; the API shows it excluded, with its reason, and the honest value
    const hub = { address: net.world.deployment.hub, abi: oracleHubAbi } as const;
    for (const p of honest)
      assert.ok((await net.world.publicClient.readContract({ ...hub, functionName: 'balanceOf', args: [p] })) > 0n);
    const detail = (await (await fetch(`${net.api.url}/v1/requests/${req.requestId}`)).json()) as {
      status: string;
      operators: { prover: string; state: string; response: { invalidCode: string | null } | null }[];
      records: { href: string }[];
    };
    assert.equal(detail.status, 'fulfilled');
    const shown = detail.operators.find((o) => o.prover === byzantine);
    assert.equal(shown?.state, 'invalid');
    assert.equal(shown?.response?.invalidCode, row?.invalidCode);
    const record = (await (await fetch(`${net.api.url}${detail.records[0]!.href}`)).json()) as {
      record: { value: unknown; sources: { prover: string }[] };
    };
    assert.equal(record.record.value, 64_000.5);
    assert.deepEqual(new Set(record.record.sources.map((s) => s.prover)), new Set(honest));
    const stages = (await net.db.db.select().from(requestEvents).where(eq(requestEvents.requestId, req.requestId))).map(
      (e) => e.stage,
    );
    assert.ok(stages.includes('response_invalid'));
  });

  test('a notary attesting two different responses for one prover: evidence recorded, bond slashed on-chain, honest result fulfilled', async () => {
    const req = await net.post({ quorum: 2 });
    assert.equal(req.provers.length, 3);
    const [cheat, ...honest] = req.provers as [Address, Address, Address];
    const notary = req.notaries[0]!;
    const registry = getOperatorRegistry(net.world.deployment.registry, { publicClient: net.world.publicClient });
    const bondBefore = await registry.read.bondOf([notary]);
    // The colluding notary signs the real response for the hub and a forged one (price 1) for the pinned bundle.
    const real = await makeBundle(net.world, req, cheat, { body: price(64_000.5) });
    const fake = await makeBundle(net.world, req, cheat, { body: price(1) });
    assert.notEqual(real.attestation.recvHash, fake.attestation.recvHash);
    // All three answer while the aggregator is down (once slashed, the notary — maybe an honest prover's notary, or
    // an honest prover itself — could no longer take part in `respond`); the restarted aggregator judges them in one
    // pass: evidence first, then the honest quorum.
    await net.stopAggregator();
    await respondWith(req, real, fake);
    for (const p of honest) await respond(net.world, await makeBundle(net.world, req, p, { body: price(64_000.5) }));
    await net.restartAggregator();

    const fulfilled = await fulfilledOnce(req.requestId);
    assert.deepEqual(
      new Set((fulfilled.args as { included: readonly Address[] }).included.map((a) => a.toLowerCase())),
      new Set(honest),
    );
    const [ev] = await net.db.db.select().from(evidence).where(eq(evidence.requestId, req.requestId));
    assert.equal(ev?.kind, 'double_attestation');
    assert.equal(ev?.notary, notary);
    assert.equal(ev?.prover, cheat);
    const reported = await hubEvents(net.world, 'EquivocationReported', req.requestId);
    assert.equal(reported.length, 1);
    assert.equal((reported[0]!.args as { notary: Address }).notary.toLowerCase(), notary);
    assert.ok((await registry.read.bondOf([notary])) < bondBefore, 'the notary lost part of its bond');
    assert.equal((await responseRow(req.requestId, cheat))?.verification, 'invalid');
  });
});

describe('provers that never answer (killed before they could)', () => {
  test('one of three provers silent: the other two fulfil the quorum-2 request; the silent one is neither included nor paid', async () => {
    const req = await net.post({ quorum: 2 });
    assert.equal(req.provers.length, 3);
    const [silent, ...live] = req.provers as [Address, Address, Address];
    for (const p of live) await respond(net.world, await makeBundle(net.world, req, p, { body: price(10) }));
    const fulfilled = await fulfilledOnce(req.requestId);
    assert.deepEqual(
      new Set((fulfilled.args as { included: readonly Address[] }).included.map((a) => a.toLowerCase())),
      new Set(live),
    );
    assert.ok(!(fulfilled.args as { included: readonly Address[] }).included.some((a) => a.toLowerCase() === silent));
  });

  test('quorum unreachable: the request expires at its deadline and the consumer gets the fee back — nothing is lost', async () => {
    const fee = parseEther('0.02');
    const now = Number((await net.world.publicClient.getBlock()).timestamp);
    const req = await net.post({ quorum: 2, deadline: now + 120 }, fee);
    await respond(net.world, await makeBundle(net.world, req, req.provers[0]!, { body: price(10) })); // one of the 2 needed
    await until(
      net,
      async () => ((await responseRow(req.requestId, req.provers[0]!))?.verification === 'valid' ? true : undefined),
      'the lone response verified',
    );
    assert.equal(await requestStatus(net.world, req.requestId), 'pending', 'not fulfilled with one answer');

    const hub = { address: net.world.deployment.hub, abi: oracleHubAbi } as const;
    const consumer = net.world.consumer.account.address;
    const credited = await net.world.publicClient.readContract({ ...hub, functionName: 'balanceOf', args: [consumer] });
    await net.world.testClient.increaseTime({ seconds: 180 });
    await net.world.testClient.mine({ blocks: 1 });
    await until(
      net,
      async () => ((await requestStatus(net.world, req.requestId)) === 'expired' ? true : undefined),
      'expiry',
    );
    const expired = await hubEvents(net.world, 'RequestExpired', req.requestId);
    assert.equal(expired.length, 1);
    assert.equal((expired[0]!.args as { refund: bigint }).refund, fee);
    assert.equal(
      await net.world.publicClient.readContract({ ...hub, functionName: 'balanceOf', args: [consumer] }),
      credited + fee,
    );
    assert.equal((await hubEvents(net.world, 'RequestFulfilled', req.requestId)).length, 0);
    // the API says so, and its SSE stream ends with the final status
    const end = await apiClient(net.api.url, API_KEY).follow(req.requestId, () => {});
    assert.equal((end as { status: string }).status, 'expired');
  });
});

describe('the API restarted during SSE streaming', () => {
  test("the CLI client resumes after Last-Event-ID and sees every timeline event exactly once, then the request's end", async () => {
    const req = await net.post({ quorum: 1 });
    const client = apiClient(net.api.url, API_KEY);
    const ids: number[] = [];
    let firstEvent!: () => void;
    const gotFirst = new Promise<void>((resolve) => (firstEvent = resolve));
    const following = client.follow(req.requestId, (event, data) => {
      if (event !== 'stage') return;
      ids.push((data as { id: number }).id);
      firstEvent();
    });
    await gotFirst;
    // Down: the stream is cut. While no API runs, the prover answers and the aggregator fulfils.
    await net.api.close();
    await respond(net.world, await makeBundle(net.world, req, req.provers[0]!, { body: price(42) }));
    await fulfilledOnce(req.requestId);
    // Up again on the same address: the client reconnects with the last id it saw.
    await net.restartApi();
    const end = (await following) as { status: string };
    assert.equal(end.status, 'fulfilled');
    const all = (await net.db.db.select().from(requestEvents).where(eq(requestEvents.requestId, req.requestId)))
      .map((e) => e.id)
      .sort((a, b) => a - b);
    assert.deepEqual(ids, all, 'every event once, in order, none lost across the restart');
  });
});
