// Committee and slashing (issue 12): commit-then-assign, grinding, retarget, open assignments, unbond, fee floor.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Address, type Hex, parseEther, parseEventLogs } from 'viem';
import { assignmentSeed, computeAssignment } from '../../core/chain/assignment.ts';
import { assignRequest, deployAndWait, operatorRegistryAbi, oracleHubAbi } from '../../core/chain/contracts.ts';
import { grindingRequesterAbi, grindingRequesterBytecode } from '../../oracle-contracts/generated/artifacts.ts';
import {
  attestationFor,
  type Chain,
  deployFixture,
  expectRevert,
  fulfill,
  makeRequest,
  respond,
  send,
  signAs,
  specHashOf,
  startChain,
  timeTravel,
  type Veritas,
  walletOf,
} from './fixture.ts';

describe('committee: commit, then draw', () => {
  let chain: Chain;
  before(async () => {
    chain = await startChain();
  });
  after(() => chain.anvil.stop());

  const hubRead = <T>(v: Veritas, functionName: string, args: readonly unknown[]) =>
    chain.publicClient.readContract({ address: v.hub, abi: oracleHubAbi, functionName, args } as never) as Promise<T>;

  it('a grinding contract that only commits when it predicts its Sybil prover gets a uniform committee', async () => {
    const v = await deployFixture(chain, { operatorCount: 4 });
    const sybil = v.operators[0]!.account.address;
    const clients = { walletClient: v.consumer, publicClient: chain.publicClient };
    const { address: grinder } = await deployAndWait(clients, {
      abi: grindingRequesterAbi,
      bytecode: grindingRequesterBytecode,
      args: [v.hub, v.registry, sybil],
    });
    const deadline = (await chain.publicClient.getBlock()).timestamp + 3000n;
    // every attempt is its own block (automine), so prevrandao (mixHash) and the parent hash change each time
    for (let i = 0; i < 240; i++) {
      await send(chain, v.consumer, {
        address: grinder,
        abi: grindingRequesterAbi,
        functionName: 'tryRequest',
        args: [specHashOf(`grind ${i}`), deadline],
        value: parseEther('0.001'),
        gas: 1_000_000n, // whether it commits depends on the block it lands in: no estimate fits both
      });
    }
    const count = Number(
      await chain.publicClient.readContract({
        address: grinder,
        abi: grindingRequesterAbi,
        functionName: 'requestCount',
      }),
    );
    assert.ok(count >= 80, `the grinder committed ${count} requests`);
    const hits = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const id = (await chain.publicClient.readContract({
        address: grinder,
        abi: grindingRequesterAbi,
        functionName: 'requestIds',
        args: [BigInt(i)],
      })) as Hex;
      const { committee } = await assignRequest(
        { walletClient: v.reporter, publicClient: chain.publicClient },
        v.hub,
        id,
      );
      const prover = committee!.provers[0]!;
      hits.set(prover, (hits.get(prover) ?? 0) + 1);
    }
    // Pearson's chi-square against uniform over 4 operators, 3 degrees of freedom: 21.1 is the p = 1e-4 quantile.
    // Under v1 (seed from prevrandao inside the request) every committed request had the Sybil: chi² ≈ 3·count.
    const expected = count / 4;
    const chi2 = v.operators
      .map((o) => hits.get(o.account.address) ?? 0)
      .reduce((acc, n) => acc + (n - expected) ** 2 / expected, 0);
    assert.ok(chi2 < 21.1, `prover counts ${JSON.stringify([...hits])} are not uniform (chi² ${chi2.toFixed(1)})`);
    assert.ok((hits.get(sybil) ?? 0) < count / 2, 'the Sybil is not favoured');
  });

  it('assign by a third party draws from blockhash(randomnessBlock); not before it; once; no cancel or re-draw', async () => {
    const v = await deployFixture(chain, { operatorCount: 5, assignDelay: 3 });
    const r = await makeRequest(v, { quorum: 2, assigner: false });
    const req = await hubRead<{ randomnessBlock: bigint; assigned: boolean }>(v, 'getRequest', [r.requestId]);
    assert.equal(req.randomnessBlock, r.receipt.blockNumber + 3n);
    assert.equal(req.assigned, false);
    const stranger = { walletClient: v.chain.wallets.at(-1)!, publicClient: chain.publicClient };
    await expectRevert(assignRequest(stranger, v.hub, r.requestId), 'AssignmentNotReady');
    await chain.testClient.mine({ blocks: 3 });
    const { committee } = await assignRequest(stranger, v.hub, r.requestId);
    const hash = (await chain.publicClient.getBlock({ blockNumber: req.randomnessBlock })).hash;
    const active = await chain.publicClient.readContract({
      address: v.registry,
      abi: operatorRegistryAbi,
      functionName: 'activeOperators',
    });
    assert.equal(committee!.seed, assignmentSeed(hash, r.requestId));
    assert.deepEqual(
      { provers: committee!.provers, notaries: committee!.notaries },
      computeAssignment(committee!.seed, active, 2),
    );
    // a second draw is refused on-chain (assignRequest reads the first one back instead)
    await expectRevert(
      send(chain, v.reporter, { address: v.hub, abi: oracleHubAbi, functionName: 'assign', args: [r.requestId] }),
      'AlreadyAssigned',
    );
    const again = await assignRequest(stranger, v.hub, r.requestId);
    assert.deepEqual(again.committee, committee);
    const names = oracleHubAbi.filter((x) => x.type === 'function').map((x) => x.name);
    assert.ok(!names.some((n) => /cancel|reroll|redraw|setSeed/i.test(n)), 'no way to cancel or re-draw');
  });

  it('after 256 blocks without assign the request is retargeted, not drawn from a zero hash', async () => {
    const v = await deployFixture(chain, { operatorCount: 3 });
    const r = await makeRequest(v, { quorum: 1, assigner: false, ttl: 3000 });
    await chain.testClient.mine({ blocks: 300 });
    const rec = await send(chain, v.reporter, {
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'assign',
      args: [r.requestId],
    });
    const events = parseEventLogs({ abi: oracleHubAbi, logs: rec.logs });
    assert.deepEqual(
      events.map((e) => e.eventName),
      ['AssignmentRetargeted'],
    );
    const { committee } = await assignRequest(
      { walletClient: v.reporter, publicClient: chain.publicClient },
      v.hub,
      r.requestId,
    );
    assert.equal(committee!.provers.length, 1);
  });

  it('assign past the deadline: DeadlinePassed; the request only expires, refundable', async () => {
    const v = await deployFixture(chain, { operatorCount: 3 });
    const r = await makeRequest(v, { quorum: 1, assigner: false, ttl: 60 });
    await timeTravel(chain, 61);
    await expectRevert(
      send(chain, v.reporter, { address: v.hub, abi: oracleHubAbi, functionName: 'assign', args: [r.requestId] }),
      'DeadlinePassed',
    );
    await send(chain, v.reporter, { address: v.hub, abi: oracleHubAbi, functionName: 'expire', args: [r.requestId] });
  });

  it('fee floor per sampled prover and deadline cap: FeeTooLow, DeadlineTooFar; only the owner moves the floor', async () => {
    const v = await deployFixture(chain, { operatorCount: 4, minFeePerProver: parseEther('0.1') });
    // quorum 2 of 4 samples 3 provers: 0.3 ether at least
    await expectRevert(makeRequest(v, { quorum: 2, fee: parseEther('0.29') }), 'FeeTooLow');
    await makeRequest(v, { quorum: 2, fee: parseEther('0.3') });
    await expectRevert(makeRequest(v, { quorum: 1, ttl: 3700 }), 'DeadlineTooFar');
    await expectRevert(
      send(chain, v.consumer, {
        address: v.hub,
        abi: oracleHubAbi,
        functionName: 'setMinFeePerProver',
        args: [0n],
      }),
      'NotOwner',
    );
    const rec = await send(chain, v.deployer, {
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'setMinFeePerProver',
      args: [0n],
    });
    const [changed] = parseEventLogs({ abi: oracleHubAbi, logs: rec.logs, eventName: 'FeeFloorChanged' });
    assert.deepEqual([changed!.args.previous, changed!.args.minFeePerProver], [parseEther('0.1'), 0n]);
    await makeRequest(v, { quorum: 2, fee: 0n });
  });

  it('the hub refuses a registry whose unbond delay is shorter than maxDeadlineWindow + challengeWindow', async () => {
    await assert.rejects(
      deployFixture(chain, { operatorCount: 2, unbondDelay: 3600, maxDeadlineWindow: 3600, challengeWindow: 1 }),
      /deploy|revert/i,
    );
  });
});

describe('slashing that still bites', () => {
  let chain: Chain;
  before(async () => {
    chain = await startChain();
  });
  after(() => chain.anvil.stop());

  const openOf = (v: Veritas, a: Address) =>
    chain.publicClient.readContract({
      address: v.registry,
      abi: operatorRegistryAbi,
      functionName: 'openAssignments',
      args: [a],
    });
  const registry = (v: Veritas, who: Address, functionName: 'requestUnbond' | 'withdrawBond') =>
    send(chain, walletOf(v, who), { address: v.registry, abi: operatorRegistryAbi, functionName });

  it('an open assignment blocks withdrawBond past the unbond delay; fulfil releases it', async () => {
    const v = await deployFixture(chain, { operatorCount: 2 });
    const r = await makeRequest(v, { quorum: 1, ttl: 3000 });
    const [prover, notary] = [r.provers[0]!, r.notaries[0]!];
    assert.equal(await openOf(v, prover), 1n);
    assert.equal(await openOf(v, notary), 1n);
    // unbonding does not excuse the work: the prover still answers (and is paid at fulfil)
    await registry(v, prover, 'requestUnbond');
    await respond(v, r.requestId, prover, notary);
    await timeTravel(chain, 7201);
    await expectRevert(registry(v, prover, 'withdrawBond'), 'OpenAssignments');
    await fulfill(v, r.requestId, [prover]);
    assert.equal(await openOf(v, prover), 0n);
    assert.equal(await openOf(v, notary), 0n);
    await registry(v, prover, 'withdrawBond');
  });

  it('expire releases the open assignments too', async () => {
    const v = await deployFixture(chain, { operatorCount: 2 });
    const r = await makeRequest(v, { quorum: 1, ttl: 60 });
    await registry(v, r.notaries[0]!, 'requestUnbond');
    await timeTravel(chain, 7201);
    await expectRevert(registry(v, r.notaries[0]!, 'withdrawBond'), 'OpenAssignments');
    await send(chain, v.reporter, { address: v.hub, abi: oracleHubAbi, functionName: 'expire', args: [r.requestId] });
    await registry(v, r.notaries[0]!, 'withdrawBond');
  });

  it('slashing after requestUnbond still takes the bond', async () => {
    const v = await deployFixture(chain, { operatorCount: 3, slashBps: 5000 });
    const r = await makeRequest(v, { quorum: 1 });
    const [prover, notary] = [r.provers[0]!, r.notaries[0]!];
    await registry(v, notary, 'requestUnbond');
    const a = attestationFor(r.requestId, prover, notary, 'one');
    const b = attestationFor(r.requestId, prover, notary, 'two');
    await send(chain, v.reporter, {
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'reportEquivocation',
      args: [a, await signAs(v, notary, a), b, await signAs(v, notary, b)],
    });
    const bond = await chain.publicClient.readContract({
      address: v.registry,
      abi: operatorRegistryAbi,
      functionName: 'bondOf',
      args: [notary],
    });
    assert.equal(bond, v.minBond / 2n);
  });

  it('respond by an unregistered or unassigned operator: NotAssigned; by one slashed to nothing: NotBonded', async () => {
    const v = await deployFixture(chain, { operatorCount: 2, slashBps: 10_000 });
    const r1 = await makeRequest(v, { quorum: 1 });
    const r2 = await makeRequest(v, { quorum: 1 });
    const stranger = v.reporter.account.address;
    const att = attestationFor(r2.requestId, stranger, r2.notaries[0]!);
    await expectRevert(
      send(chain, v.reporter, {
        address: v.hub,
        abi: oracleHubAbi,
        functionName: 'respond',
        args: [r2.requestId, 'cid', att, await signAs(v, r2.notaries[0]!, att)],
      }),
      'NotAssigned',
    );
    const other = attestationFor(r2.requestId, r2.notaries[0]!, r2.provers[0]!);
    await expectRevert(
      send(chain, walletOf(v, r2.notaries[0]!), {
        address: v.hub,
        abi: oracleHubAbi,
        functionName: 'respond',
        args: [r2.requestId, 'cid', other, await signAs(v, r2.provers[0]!, other)],
      }),
      'NotAssigned',
    );
    // r1's notary equivocates and loses its whole bond; with two operators it is in r2's committee too
    const n = r1.notaries[0]!;
    const a = attestationFor(r1.requestId, r1.provers[0]!, n, 'one');
    const b = attestationFor(r1.requestId, r1.provers[0]!, n, 'two');
    await send(chain, v.reporter, {
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'reportEquivocation',
      args: [a, await signAs(v, n, a), b, await signAs(v, n, b)],
    });
    await expectRevert(respond(v, r2.requestId, r2.provers[0]!, r2.notaries[0]!), 'NotBonded');
  });
});
