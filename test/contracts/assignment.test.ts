// Assignment: deterministic, over-sampled (sampleSize provers), distinct provers, never self-paired, and the
// TypeScript twin equals the Solidity view.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Address, bytesToHex, getAddress, type Hex } from 'viem';
import { computeAssignment, computeRequestId, notaryOf, sampleSize } from '../../core/chain/assignment.ts';
import { oracleHubAbi } from '../../core/chain/contracts.ts';
import { type Chain, deployFixture, expectRevert, makeRequest, startChain, type Veritas } from './fixture.ts';

const randomSeed = (): Hex => bytesToHex(randomBytes(32));
const randomOperators = (n: number): Address[] =>
  Array.from({ length: n }, () => getAddress(bytesToHex(randomBytes(20))));

describe('assignment', () => {
  let chain: Chain;
  let v: Veritas;
  before(async () => {
    chain = await startChain();
    v = await deployFixture(chain, { operatorCount: 6 });
  });
  after(() => chain.anvil.stop());

  const onChain = async (seed: Hex, operators: Address[], quorum: number) => {
    const [provers, notaries] = await chain.publicClient.readContract({
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'computeAssignment',
      args: [seed, operators, quorum],
    });
    return { provers: [...provers], notaries: [...notaries] };
  };
  const sampleSizeOnChain = (quorum: number, activeCount: number) =>
    chain.publicClient.readContract({
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'sampleSize',
      args: [quorum, BigInt(activeCount)],
    });

  it('sampleSize = min(quorum + floor(quorum / 2), active): the documented table, and TypeScript equals Solidity', async () => {
    // quorum 1 → 1, 2 → 3, 3 → 4, 4 → 6, 5 → 7, capped at the active set
    for (const [quorum, active, size] of [
      [1, 2, 1],
      [1, 100, 1],
      [2, 2, 2],
      [2, 3, 3],
      [2, 10, 3],
      [3, 3, 3],
      [3, 4, 4],
      [3, 10, 4],
      [4, 5, 5],
      [4, 6, 6],
      [4, 10, 6],
      [5, 10, 7],
      [255, 255, 255],
      [255, 1000, 382],
    ] as const) {
      assert.equal(sampleSize(quorum, active), size, `TS sampleSize(${quorum}, ${active})`);
      assert.equal(await sampleSizeOnChain(quorum, active), BigInt(size), `Solidity sampleSize(${quorum}, ${active})`);
    }
    for (let c = 0; c < 100; c++) {
      const quorum = 1 + ((c * 37) % 255);
      const active = (c * 53) % 500;
      assert.equal(
        await sampleSizeOnChain(quorum, active),
        BigInt(sampleSize(quorum, active)),
        `q=${quorum} n=${active}`,
      );
    }
    assert.throws(() => sampleSize(0, 5), { code: 'INPUT_INVALID', field: 'quorum' });
    assert.throws(() => sampleSize(256, 500), { code: 'INPUT_INVALID', field: 'quorum' });
  });

  it('TypeScript equals Solidity for 300 random seeds, sets and quorums', async () => {
    for (let c = 0; c < 300; c++) {
      const n = 2 + (c % 30);
      const quorum = 1 + ((c * 7) % n);
      const seed = randomSeed();
      const operators = randomOperators(n);
      const ts = computeAssignment(seed, operators, quorum);
      assert.equal(ts.provers.length, sampleSize(quorum, n), `case ${c}: n=${n} quorum=${quorum}: sampleSize provers`);
      assert.deepEqual(await onChain(seed, operators, quorum), ts, `case ${c}: n=${n} quorum=${quorum} seed=${seed}`);
    }
  });

  it('TypeScript equals Solidity where over-sampling takes the whole set or is capped by it', async () => {
    // n = sampleSize exactly (quorum 2 of 3, 4 of 6), capped (3 of 3, 4 of 5, 5 of 6), and the maximum quorum 255
    const cases: [number, number][] = [
      [2, 3],
      [4, 6],
      [3, 3],
      [4, 5],
      [5, 6],
      [2, 2],
      [255, 255],
      [200, 320],
    ];
    for (const [quorum, n] of cases) {
      for (let c = 0; c < 3; c++) {
        const seed = randomSeed();
        const operators = randomOperators(n);
        const ts = computeAssignment(seed, operators, quorum);
        assert.equal(ts.provers.length, Math.min(quorum + Math.floor(quorum / 2), n));
        assert.deepEqual(await onChain(seed, operators, quorum), ts, `n=${n} quorum=${quorum} seed=${seed}`);
      }
    }
  });

  it('is deterministic, picks sampleSize distinct provers, and never pairs an operator with itself', () => {
    for (let c = 0; c < 2000; c++) {
      const n = 2 + (c % 12);
      const quorum = 1 + (c % n);
      const seed = randomSeed();
      const operators = randomOperators(n);
      const a = computeAssignment(seed, operators, quorum);
      const size = Math.min(quorum + Math.floor(quorum / 2), n);
      assert.deepEqual(computeAssignment(seed, operators, quorum), a);
      assert.equal(a.provers.length, size);
      assert.equal(a.notaries.length, size);
      assert.ok(size >= quorum);
      assert.equal(new Set(a.provers).size, size, 'provers are distinct');
      for (let i = 0; i < size; i++) {
        assert.notEqual(a.notaries[i], a.provers[i], 'notary differs from its prover');
        assert.ok(operators.includes(a.notaries[i]!) && operators.includes(a.provers[i]!));
        assert.equal(notaryOf(a, a.provers[i]!), a.notaries[i]);
      }
    }
  });

  it('samples every operator as prover and as notary (no fixed committee)', () => {
    const operators = randomOperators(5);
    const proverCount = new Map<Address, number>();
    const notaryCount = new Map<Address, number>();
    for (let c = 0; c < 500; c++) {
      const { provers, notaries } = computeAssignment(randomSeed(), operators, 2); // 3 provers
      assert.equal(provers.length, 3);
      for (const p of provers) proverCount.set(p, (proverCount.get(p) ?? 0) + 1);
      for (const p of notaries) notaryCount.set(p, (notaryCount.get(p) ?? 0) + 1);
    }
    // 500 draws × 3 seats over 5 operators: each expects 300; a zero would mean a broken sampler
    for (const op of operators) {
      assert.ok((proverCount.get(op) ?? 0) > 100, 'each operator is sampled as a prover');
      assert.ok((notaryCount.get(op) ?? 0) > 100, 'each operator is sampled as a notary');
    }
  });

  it('rejects quorum 0, quorum above the set, and fewer than 2 operators (both twins)', async () => {
    const ops = randomOperators(3);
    const seed = randomSeed();
    await expectRevert(onChain(seed, ops, 0), 'InvalidQuorum');
    await expectRevert(onChain(seed, ops, 4), 'QuorumTooLarge');
    await expectRevert(onChain(seed, ops.slice(0, 1), 1), 'NotEnoughOperators');
    assert.throws(() => computeAssignment(seed, ops, 0), { code: 'INPUT_INVALID', field: 'quorum' });
    assert.throws(() => computeAssignment(seed, ops, 4), { code: 'INPUT_INVALID', field: 'quorum' });
    assert.throws(() => computeAssignment(seed, ops.slice(0, 1), 1), { code: 'INPUT_INVALID', field: 'operators' });
  });

  it('a request stores the committee computed from its seed and the active set; ids are recomputable', async () => {
    const active = [
      ...(await chain.publicClient.readContract({
        address: v.registry,
        abi: (await import('../../core/chain/contracts.ts')).operatorRegistryAbi,
        functionName: 'activeOperators',
      })),
    ];
    const nonce = await chain.publicClient.readContract({ address: v.hub, abi: oracleHubAbi, functionName: 'nonce' });
    const r = await makeRequest(v, { quorum: 3, spec: 'assignment' });
    assert.equal(
      r.requestId,
      computeRequestId({
        chainId: chain.anvil.chainId,
        hub: v.hub,
        nonce,
        consumer: v.consumer.account.address,
        specHash: (await import('./fixture.ts')).specHashOf('assignment'),
      }),
    );
    const block = await chain.publicClient.getBlock({ blockNumber: r.receipt.blockNumber });
    const { assignmentSeed } = await import('../../core/chain/assignment.ts');
    // assignDelay 0: the randomness block is the request's own block, whose hash its transaction could not see
    assert.equal(r.seed, assignmentSeed(block.hash, r.requestId), 'seed = keccak256(blockhash(randomnessBlock), id)');
    assert.deepEqual({ provers: r.provers, notaries: r.notaries }, computeAssignment(r.seed!, active, 3));
    assert.equal(r.provers.length, 4, 'quorum 3 of 6 active operators: 4 provers');
    for (let i = 0; i < r.provers.length; i++) {
      const [assigned, notary] = await chain.publicClient.readContract({
        address: v.hub,
        abi: oracleHubAbi,
        functionName: 'isAssigned',
        args: [r.requestId, r.provers[i]!],
      });
      assert.equal(assigned, true);
      assert.equal(notary, r.notaries[i]);
    }
  });

  it('request rejects quorum 0, quorum above the active set, and fewer than 2 active operators', async () => {
    await expectRevert(makeRequest(v, { quorum: 0 }), 'InvalidQuorum');
    await expectRevert(makeRequest(v, { quorum: 7 }), 'QuorumTooLarge');
    const lonely = await deployFixture(chain, { operatorCount: 1 });
    await expectRevert(makeRequest(lonely, { quorum: 1 }), 'NotEnoughOperators');
  });
});
