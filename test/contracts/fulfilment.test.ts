// Accountable aggregator (issue 13): fulfil-time policy checks, challengeable roots, bonded and delayed aggregators.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Address, type Hex, parseEther, parseEventLogs } from 'viem';
import { deployAndWait, merkleVerifierAbi, oracleHubAbi } from '../../core/chain/contracts.ts';
import { buildRecordTree, type RecordLeaf } from '../../core/merkle.ts';
import { merkleVerifierBytecode } from '../../oracle-contracts/generated/artifacts.ts';
import {
  balanceIn,
  type Chain,
  deployFixture,
  expectRevert,
  fulfill,
  makeRequest,
  respond,
  resultHashOf,
  send,
  startChain,
  timeTravel,
  type Veritas,
} from './fixture.ts';

const numberHash = (n: bigint) => resultHashOf(`n:${n}`);

describe('fulfil checks the policy on-chain', () => {
  let chain: Chain;
  let v: Veritas;
  before(async () => {
    chain = await startChain();
    v = await deployFixture(chain, { operatorCount: 6 });
  });
  after(() => chain.anvil.stop());

  /** A request whose provers answer `results[i]` (strings for exact/mode, integers for median). */
  async function answered(
    p: { quorum: number; policy: number; minAgreement?: number; bandBps?: number },
    results: (string | bigint)[],
  ) {
    const r = await makeRequest(v, p);
    for (const [i, x] of results.entries()) {
      if (typeof x === 'bigint')
        await respond(v, r.requestId, r.provers[i]!, r.notaries[i]!, `n:${x}`, { numericValue: x });
      else await respond(v, r.requestId, r.provers[i]!, r.notaries[i]!, x);
    }
    return r;
  }

  it('exact: every included response must carry the value hash', async () => {
    const r = await answered({ quorum: 2, policy: 0 }, ['a', 'a', 'b']);
    await expectRevert(
      fulfill(v, r.requestId, r.provers, undefined, undefined, { valueHash: resultHashOf('a') }),
      'PolicyViolation',
    );
    await expectRevert(
      fulfill(v, r.requestId, [r.provers[0]!, r.provers[2]!], undefined, undefined, { valueHash: resultHashOf('b') }),
      'PolicyViolation',
    );
    await expectRevert(
      fulfill(v, r.requestId, [r.provers[0]!, r.provers[1]!], undefined, undefined, { valueHash: resultHashOf('b') }),
      'PolicyViolation',
    );
    await fulfill(v, r.requestId, [r.provers[0]!, r.provers[1]!], undefined, undefined, {
      valueHash: resultHashOf('a'),
    });
  });

  it('mode: the value must have minAgreement carriers and strictly more than any other value', async () => {
    const r = await answered({ quorum: 2, policy: 1, minAgreement: 2 }, ['a', 'a', 'b']);
    await expectRevert(
      fulfill(v, r.requestId, r.provers, undefined, undefined, { valueHash: resultHashOf('b') }),
      'PolicyViolation',
    );
    await fulfill(v, r.requestId, r.provers, undefined, undefined, { valueHash: resultHashOf('a') });
    const tie = await answered({ quorum: 2, policy: 1, minAgreement: 1 }, ['a', 'b', 'c']);
    await expectRevert(
      fulfill(v, tie.requestId, [tie.provers[0]!, tie.provers[1]!], undefined, undefined, {
        valueHash: resultHashOf('a'),
      }),
      'PolicyViolation',
    );
  });

  it('median: the lower median of the included numbers; a Byzantine value cannot be delivered', async () => {
    // quorum 3 of 6 samples 4 provers; one answers 10^6 instead of ~100
    const r = await answered({ quorum: 3, policy: 2, bandBps: 100 }, [10_000n, 10_100n, 100_000_000n, 10_200n]);
    await expectRevert(
      fulfill(v, r.requestId, r.provers, undefined, undefined, { valueHash: numberHash(100_000_000n) }),
      'PolicyViolation',
    );
    await expectRevert(
      fulfill(v, r.requestId, r.provers, undefined, undefined, { valueHash: numberHash(10_200n) }),
      'PolicyViolation',
    );
    // sorted 10000, 10100, 10200, 1e8: element ⌊(4−1)/2⌋ = 10100
    const rec = await fulfill(v, r.requestId, r.provers, undefined, undefined, { valueHash: numberHash(10_100n) });
    const [ev] = parseEventLogs({ abi: oracleHubAbi, logs: rec.logs, eventName: 'RequestFulfilled' });
    assert.equal(ev!.args.numericValue, 10_100n);
  });

  it('median of two: only within the band', async () => {
    const far = await answered({ quorum: 2, policy: 2, bandBps: 100 }, [10_000n, 20_000n]);
    await expectRevert(
      fulfill(v, far.requestId, [far.provers[0]!, far.provers[1]!], undefined, undefined, {
        valueHash: numberHash(10_000n),
      }),
      'PolicyViolation',
    );
    const near = await answered({ quorum: 2, policy: 2, bandBps: 100 }, [10_050n, 10_000n]);
    await fulfill(v, near.requestId, [near.provers[0]!, near.provers[1]!], undefined, undefined, {
      valueHash: numberHash(10_000n),
    });
  });
});

describe('challengeable roots and accountable aggregators', () => {
  let chain: Chain;
  let v: Veritas;
  let second: (typeof v.chain.wallets)[number];
  before(async () => {
    chain = await startChain();
    v = await deployFixture(chain, { operatorCount: 4, reporterRewardBps: 5000, aggregatorDelay: 600 });
    second = chain.wallets.at(-1)!;
  });
  after(() => chain.anvil.stop());

  /** `from` posts 1 ETH of aggregator bond for `aggregator` (the hub's default aggregator unless told). */
  const bondAggregator = (from = v.deployer, aggregator: Address = v.aggregator.account.address) =>
    send(chain, from, {
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'bondAggregator',
      args: [aggregator],
      value: parseEther('1'),
    });

  const bondOf = async (a: Address) =>
    (
      await chain.publicClient.readContract({
        address: v.hub,
        abi: oracleHubAbi,
        functionName: 'aggregatorInfo',
        args: [a],
      })
    ).bond;

  /** A fulfilled request whose root (built by core/merkle.ts) holds `leafValueHashes[i]` in leaf i. */
  async function fulfilledWithLeaves(
    leafValueHashes: Hex[],
    from = v.aggregator,
    recordCount = leafValueHashes.length,
  ) {
    const r = await makeRequest(v, { quorum: 1 });
    await respond(v, r.requestId, r.provers[0]!, r.notaries[0]!);
    const leaves: RecordLeaf[] = leafValueHashes.map((valueHash, index) => ({
      requestId: r.requestId,
      index,
      valueHash,
      recordHash: resultHashOf(`record ${index}`),
    }));
    const tree = buildRecordTree(leaves);
    await fulfill(v, r.requestId, [r.provers[0]!], from, undefined, {
      root: tree.root,
      valueHash: resultHashOf('result'),
      recordCount,
    });
    return { r, leaves, tree };
  }
  const challenge = (from: typeof v.reporter, requestId: Hex, leaf: RecordLeaf, proof: Hex[]) =>
    send(chain, from, {
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'challengeFulfillment',
      args: [requestId, BigInt(leaf.index), leaf.valueHash, leaf.recordHash, proof],
    });

  it('the Merkle leaf is the same in TypeScript, OracleHub and MerkleVerifier', async () => {
    const { address } = await deployAndWait(
      { walletClient: v.deployer, publicClient: chain.publicClient },
      { abi: merkleVerifierAbi, bytecode: merkleVerifierBytecode },
    );
    const leaves: RecordLeaf[] = [0, 1, 2].map((index) => ({
      requestId: resultHashOf('req'),
      index,
      valueHash: resultHashOf('v'),
      recordHash: resultHashOf(`r${index}`),
    }));
    const tree = buildRecordTree(leaves);
    for (const l of leaves) {
      const args = [l.requestId, BigInt(l.index), l.valueHash!, l.recordHash] as const;
      const [hubLeaf, verifierLeaf, ok] = await Promise.all([
        chain.publicClient.readContract({ address: v.hub, abi: oracleHubAbi, functionName: 'recordLeaf', args }),
        chain.publicClient.readContract({ address, abi: merkleVerifierAbi, functionName: 'recordLeaf', args }),
        chain.publicClient.readContract({
          address,
          abi: merkleVerifierAbi,
          functionName: 'verifyRecord',
          args: [tree.proof(l.index), tree.root, ...args],
        }),
      ]);
      assert.equal(hubLeaf, tree.leafHash(l.index));
      assert.equal(verifierLeaf, tree.leafHash(l.index));
      assert.equal(ok, true);
    }
  });

  it('a leaf contradicting the accepted value slashes the aggregator during the window; half to the challenger', async () => {
    const accepted = resultHashOf('result');
    const { r, leaves, tree } = await fulfilledWithLeaves([accepted, resultHashOf('something else'), accepted]);
    await expectRevert(challenge(v.reporter, r.requestId, leaves[0]!, tree.proof(0)), 'NoContradiction');
    await expectRevert(challenge(v.reporter, r.requestId, leaves[1]!, tree.proof(0)), 'InvalidProof');
    const bond = await bondOf(v.aggregator.account.address);
    const before = await balanceIn(v, v.reporter.account.address);
    const rec = await challenge(v.reporter, r.requestId, leaves[1]!, tree.proof(1));
    const [ev] = parseEventLogs({ abi: oracleHubAbi, logs: rec.logs, eventName: 'FulfillmentChallenged' });
    assert.equal(ev!.args.slashed, bond);
    assert.equal((await balanceIn(v, v.reporter.account.address)) - before, bond / 2n);
    assert.equal(await bondOf(v.aggregator.account.address), 0n);
    await expectRevert(challenge(v.reporter, r.requestId, leaves[1]!, tree.proof(1)), 'AlreadyChallenged');
    const active = await chain.publicClient.readContract({
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'isActiveAggregator',
      args: [v.aggregator.account.address],
    });
    assert.equal(active, false, 'a slashed aggregator can no longer fulfil');
    const next = await makeRequest(v, { quorum: 1 });
    await respond(v, next.requestId, next.provers[0]!, next.notaries[0]!);
    await expectRevert(fulfill(v, next.requestId, next.provers), 'NotAggregator');
    // re-bond for the tests below
    await bondAggregator();
    await fulfill(v, next.requestId, next.provers);
  });

  it('a leaf beyond the record count the aggregator declared slashes it, whatever its value', async () => {
    // the attack: the root commits a hidden extra record (same accepted value) that the published report omits
    const accepted = resultHashOf('result');
    const { r, leaves, tree } = await fulfilledWithLeaves([accepted, accepted], v.aggregator, 1);
    await expectRevert(challenge(v.reporter, r.requestId, leaves[0]!, tree.proof(0)), 'NoContradiction');
    const request = await chain.publicClient.readContract({
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'getRequest',
      args: [r.requestId],
    });
    assert.equal(request.recordCount, 1);
    const bond = await bondOf(v.aggregator.account.address);
    const rec = await challenge(v.reporter, r.requestId, leaves[1]!, tree.proof(1));
    const [ev] = parseEventLogs({ abi: oracleHubAbi, logs: rec.logs, eventName: 'FulfillmentChallenged' });
    assert.equal(ev!.args.slashed, bond);
    await bondAggregator();
  });

  it('a fulfilment declares at least one record', async () => {
    const r = await makeRequest(v, { quorum: 1 });
    await respond(v, r.requestId, r.provers[0]!, r.notaries[0]!);
    await expectRevert(
      fulfill(v, r.requestId, [r.provers[0]!], undefined, undefined, { recordCount: 0 }),
      'InvalidRecordCount',
    );
  });

  it('a new aggregator acts only after the delay and a bond; it can challenge the first; first valid fulfil wins', async () => {
    const addr = second.account.address;
    const propose = () =>
      send(chain, v.deployer, {
        address: v.hub,
        abi: oracleHubAbi,
        functionName: 'proposeAggregator',
        args: [addr, true],
      });
    const activate = () =>
      send(chain, v.reporter, { address: v.hub, abi: oracleHubAbi, functionName: 'activateAggregator', args: [addr] });
    await expectRevert(activate(), 'NoProposal');
    await propose();
    await expectRevert(activate(), 'AggregatorDelayNotElapsed');
    await bondAggregator(second, addr);
    const r = await makeRequest(v, { quorum: 1 });
    await respond(v, r.requestId, r.provers[0]!, r.notaries[0]!);
    await expectRevert(fulfill(v, r.requestId, r.provers, second), 'NotAggregator');
    await timeTravel(chain, 601);
    await activate();
    // both serve the hub: the first valid fulfilment wins, the other gets AlreadyFulfilled
    await fulfill(v, r.requestId, r.provers, second);
    await expectRevert(fulfill(v, r.requestId, r.provers), 'AlreadyFulfilled');
    // the first aggregator commits a contradicting leaf; the second challenges it and is rewarded
    const { r: bad, leaves, tree } = await fulfilledWithLeaves([resultHashOf('forged'), resultHashOf('result')]);
    const before = await balanceIn(v, addr);
    await challenge(second, bad.requestId, leaves[0]!, tree.proof(0));
    assert.ok((await balanceIn(v, addr)) > before);
  });

  it('the challenge window closes; an aggregator bond leaves only after its last window', async () => {
    const addr = second.account.address;
    const { r, leaves, tree } = await fulfilledWithLeaves([resultHashOf('forged')], second);
    await send(chain, second, { address: v.hub, abi: oracleHubAbi, functionName: 'requestAggregatorUnbond' });
    const again = await makeRequest(v, { quorum: 1 });
    await respond(v, again.requestId, again.provers[0]!, again.notaries[0]!);
    await expectRevert(fulfill(v, again.requestId, again.provers, second), 'NotAggregator');
    await expectRevert(
      send(chain, second, { address: v.hub, abi: oracleHubAbi, functionName: 'withdrawAggregatorBond' }),
      'UnbondDelayNotElapsed',
    );
    await timeTravel(chain, 3601);
    await expectRevert(challenge(v.reporter, r.requestId, leaves[0]!, tree.proof(0)), 'ChallengeWindowClosed');
    await send(chain, second, { address: v.hub, abi: oracleHubAbi, functionName: 'withdrawAggregatorBond' });
    assert.equal(await bondOf(addr), 0n);
  });

  it('OracleHub stays under the EIP-170 limit of 24,576 bytes', async () => {
    const code = await chain.publicClient.getCode({ address: v.hub });
    const size = (code!.length - 2) / 2;
    assert.ok(size < 24_576, `OracleHub runtime is ${size} bytes`);
  });
});
