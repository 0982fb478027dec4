// DatasetRegistry on a real anvil with the real OracleHub: feed poke timing (not due, due, missed rounds skipped),
// escrow accounting, tips and refunds, pause/cancel, dataset sources, the on-chain accumulator equal to the
// TypeScript recomputation after every append, and dataset proofs checked in Solidity and in TypeScript.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Address, BaseError, ContractFunctionRevertedError, type Hex, parseEther, parseEventLogs } from 'viem';
import { datasetRegistryAbi, datasetRegistryBytecode } from '../../oracle-contracts/generated/artifacts.ts';
import { deployAndWait, oracleHubAbi } from '../../core/chain/contracts.ts';
import { hashJson } from '../../core/canonical.ts';
import { buildRecordTree } from '../../core/merkle.ts';
import {
  accumulatorProof,
  accumulatorRoot,
  roundLeaf,
  verifyAccumulatorProof,
} from '../../core/dataset/accumulator.ts';
import { buildSnapshot } from '../../core/dataset/snapshot.ts';
import { dueFeeds, keeperTick } from '../../core/dataset/feeds.ts';
import {
  type Chain,
  deployFixture,
  expectRevert,
  makeRequest,
  requestFromReceipt,
  respondAll,
  resultHashOf,
  send,
  specHashOf,
  startChain,
  timeTravel,
  type Veritas,
} from '../contracts/fixture.ts';
import { round as fixtureRound } from './fixture.ts';
import type { VeritasWalletClient } from '../../core/chain/clients.ts';

const TIP = parseEther('0.001');
const FEE = parseEther('0.3');
const INTERVAL = 600;
const WINDOW = 300;

// hub v2: leaves and fulfil carry the value hash the hub accepts, the one respondAll's provers attested
const VALUE_HASH = resultHashOf('result');
let chain: Chain;
let v: Veritas;
let registry: Address;
before(async () => {
  chain = await startChain(20);
  v = await deployFixture(chain, { operatorCount: 4 });
  registry = (
    await deployAndWait(
      { walletClient: v.deployer, publicClient: chain.publicClient },
      { abi: datasetRegistryAbi, bytecode: datasetRegistryBytecode, args: [v.hub, TIP] },
    )
  ).address;
});
after(async () => {
  await chain?.anvil.stop();
});

const now = async () => (await chain.publicClient.getBlock()).timestamp;
const read = <T>(functionName: string, args: readonly unknown[]): Promise<T> =>
  chain.publicClient.readContract({
    address: registry,
    abi: datasetRegistryAbi,
    functionName,
    args,
  } as never) as Promise<T>;
const write = (wallet: VeritasWalletClient, functionName: string, args: readonly unknown[], value?: bigint) =>
  send(chain, wallet, { address: registry, abi: datasetRegistryAbi, functionName, args, ...(value ? { value } : {}) });
const call = (wallet: VeritasWalletClient, functionName: string, args: readonly unknown[], value?: bigint) =>
  wallet.writeContract({ address: registry, abi: datasetRegistryAbi, functionName, args, value } as never);

/** The custom error's arguments (e.g. NotDue's dueAt). */
async function revertArgs(promise: Promise<unknown>, name: string): Promise<readonly unknown[]> {
  try {
    await promise;
  } catch (e) {
    const r = e instanceof BaseError ? e.walk((x) => x instanceof ContractFunctionRevertedError) : undefined;
    assert.ok(r instanceof ContractFunctionRevertedError, String(e));
    assert.equal(r.data?.errorName, name);
    return r.data?.args ?? [];
  }
  assert.fail(`expected ${name}`);
}

type Feed = { escrow: bigint; nextRound: bigint; rounds: bigint; paused: boolean; cancelled: boolean; owner: Address };
const feed = (id: bigint) => read<Feed>('getFeed', [id]);
const terms = { quorum: 2, policy: 0, minAgreement: 0, bandBps: 0, window: BigInt(WINDOW) };

async function createFeed(owner: VeritasWalletClient, o: { first: bigint; end?: bigint; escrow: bigint }) {
  const receipt = await write(
    owner,
    'createFeed',
    [specHashOf('price-template'), 'bafytemplate', terms, FEE, BigInt(INTERVAL), o.first, o.end ?? 0n],
    o.escrow,
  );
  const [created] = parseEventLogs({ abi: datasetRegistryAbi, logs: receipt.logs, eventName: 'FeedCreated' });
  return created!.args.feedId;
}

async function poke(wallet: VeritasWalletClient, feedId: bigint) {
  // simulated first: a failing poke then names its revert (InsufficientEscrow, NotDue…) instead of "reverted"
  await chain.publicClient.simulateContract({
    address: registry,
    abi: datasetRegistryAbi,
    functionName: 'poke',
    args: [feedId],
    account: wallet.account,
    gas: 3_000_000n,
  });
  // a gas margin, as for any hub request: its gas depends on the committee the mined block's randomness draws
  const receipt = await send(chain, wallet, {
    address: registry,
    abi: datasetRegistryAbi,
    functionName: 'poke',
    args: [feedId],
    gas: 3_000_000n,
  });
  const [poked] = parseEventLogs({ abi: datasetRegistryAbi, logs: receipt.logs, eventName: 'FeedPoked' });
  return { receipt, round: poked!.args.round, requestId: poked!.args.requestId, poker: poked!.args.poker };
}

/** Fulfils a hub request with a real record tree over `values` (the aggregator's role), returning its root. */
async function fulfilWith(receipt: Parameters<typeof requestFromReceipt>[1], sourceId: string, roundNo: number) {
  const r = await requestFromReceipt(v, receipt);
  await respondAll(v, r);
  const built = fixtureRound(sourceId, roundNo, 'https://prices.fixture.test/v1/price', [100 + roundNo], 1_767_225_600);
  // the fixture's records, re-keyed to this on-chain request id
  const records = built.records.map((p) => ({ ...p.record, requestId: r.requestId }));
  const tree = buildRecordTree(
    records.map((rec) => ({
      requestId: r.requestId,
      index: rec.index,
      valueHash: VALUE_HASH,
      recordHash: hashJson(rec),
    })),
  );
  await send(chain, v.aggregator, {
    address: v.hub,
    abi: oracleHubAbi,
    functionName: 'fulfill',
    args: [r.requestId, tree.root, 'bafyreport', r.provers.slice(0, 2), VALUE_HASH, records.length],
  });
  const proved = records.map((record) => ({
    record,
    recordHash: hashJson(record),
    merkleRoot: tree.root,
    proof: tree.proof(record.index),
  }));
  return { requestId: r.requestId, root: tree.root, proved };
}

describe('feeds', () => {
  let feedId: bigint;
  let first: bigint;
  it('a round is not due before its time; poking it then reverts with when it will be', async () => {
    first = (await now()) + 100n;
    feedId = await createFeed(chain.wallets[10]!, { first, escrow: parseEther('1') });
    const [dueAt] = await revertArgs(call(chain.wallets[11]!, 'poke', [feedId]), 'NotDue');
    assert.equal(dueAt, first);
  });

  it('anyone pokes a due round: the hub request is opened from the escrow and the poker earns the tip', async () => {
    await timeTravel(chain, 100);
    const poker = chain.wallets[11]!;
    const before = await chain.publicClient.getBalance({ address: poker.account.address });
    const { receipt, round, requestId } = await poke(poker, feedId);
    const gas = receipt.gasUsed * receipt.effectiveGasPrice;
    assert.equal(round, 0n);
    assert.equal(await chain.publicClient.getBalance({ address: poker.account.address }), before - gas + TIP);
    const f = await feed(feedId);
    assert.equal(f.escrow, parseEther('1') - FEE - TIP);
    assert.equal(f.nextRound, 1n);
    const request = await chain.publicClient.readContract({
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'getRequest',
      args: [requestId],
    });
    assert.equal(request.consumer, registry, 'the registry is the requester, paying from the escrow');
    assert.equal(request.fee, FEE);
    assert.equal(request.specHash, specHashOf('price-template'));
    assert.equal(
      request.deadline,
      (await chain.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp + BigInt(WINDOW),
    );
    const roundOf = await read<{ feedId: bigint; round: bigint; exists: boolean }>('roundOf', [requestId]);
    assert.deepEqual([roundOf.feedId, roundOf.round, roundOf.exists], [feedId, 0n, true]);
    // the same round twice: not due until the next one
    const [dueAt] = await revertArgs(call(chain.wallets[12]!, 'poke', [feedId]), 'NotDue');
    assert.equal(dueAt, first + BigInt(INTERVAL));
  });

  it('missed rounds are skipped, never bunched: a late poke opens the current round only', async () => {
    await timeTravel(chain, INTERVAL * 3); // rounds 1 and 2 pass unpoked; round 3 is current
    const { round } = await poke(chain.wallets[12]!, feedId);
    assert.equal(round, 3n);
    const f = await feed(feedId);
    assert.equal(f.nextRound, 4n);
    assert.equal(f.rounds, 2n);
    await expectRevert(call(chain.wallets[12]!, 'poke', [feedId]), 'NotDue');
  });

  it('an escrow that cannot pay the next round refuses the poke until the owner tops it up', async () => {
    await timeTravel(chain, INTERVAL);
    // 1 − 2·(0.3 + 0.001) = 0.398 left: round 4 is paid, round 5 is not
    await poke(chain.wallets[11]!, feedId);
    await timeTravel(chain, INTERVAL);
    const [needed, escrow] = await revertArgs(call(chain.wallets[11]!, 'poke', [feedId]), 'InsufficientEscrow');
    assert.equal(needed, FEE + TIP);
    assert.equal(escrow, parseEther('1') - 3n * (FEE + TIP));
    await write(chain.wallets[10]!, 'topUp', [feedId], parseEther('1'));
    assert.equal((await feed(feedId)).escrow, parseEther('2') - 3n * (FEE + TIP));
    await poke(chain.wallets[11]!, feedId);
  });

  it('a paused feed is not poked; only its owner pauses, resumes and cancels; cancel refunds the unspent escrow', async () => {
    await expectRevert(call(chain.wallets[11]!, 'setPaused', [feedId, true]), 'NotOwner');
    await write(chain.wallets[10]!, 'setPaused', [feedId, true]);
    await timeTravel(chain, INTERVAL);
    await expectRevert(call(chain.wallets[11]!, 'poke', [feedId]), 'FeedInactive');
    await write(chain.wallets[10]!, 'setPaused', [feedId, false]);
    await poke(chain.wallets[11]!, feedId);
    await expectRevert(call(chain.wallets[11]!, 'cancel', [feedId]), 'NotOwner');
    const owner = chain.wallets[10]!;
    const escrow = (await feed(feedId)).escrow;
    assert.equal(escrow, parseEther('2') - 5n * (FEE + TIP));
    const before = await chain.publicClient.getBalance({ address: owner.account.address });
    const receipt = await write(owner, 'cancel', [feedId]);
    const gas = receipt.gasUsed * receipt.effectiveGasPrice;
    assert.equal(await chain.publicClient.getBalance({ address: owner.account.address }), before - gas + escrow);
    assert.equal((await feed(feedId)).escrow, 0n);
    await timeTravel(chain, INTERVAL);
    await expectRevert(call(chain.wallets[11]!, 'poke', [feedId]), 'FeedInactive');
    await expectRevert(call(owner, 'topUp', [feedId], 1n), 'FeedInactive');
    await expectRevert(call(owner, 'cancel', [feedId]), 'FeedInactive');
  });

  it('a feed with an end has no round due at or after it', async () => {
    const start = (await now()) + 10n;
    const id = await createFeed(chain.wallets[10]!, {
      first: start,
      end: start + BigInt(INTERVAL),
      escrow: parseEther('1'),
    });
    await timeTravel(chain, 10);
    await poke(chain.wallets[11]!, id);
    await timeTravel(chain, INTERVAL);
    await expectRevert(call(chain.wallets[11]!, 'poke', [id]), 'FeedEnded');
    await expectRevert(
      call(chain.wallets[10]!, 'createFeed', [specHashOf('x'), 'bafyx', terms, FEE, 0n, start, 0n]),
      'InvalidSchedule',
    );
  });
});

describe('datasets', () => {
  type Appended = { requestId: Hex; root: Hex; proved: Awaited<ReturnType<typeof fulfilWith>>['proved'] };
  const appendedRounds: Appended[] = [];
  let datasetId: bigint;
  let feedId: bigint;

  it('appends fulfilled feed rounds and one-shot requests; the on-chain root equals the TypeScript one each time', async () => {
    const owner = chain.wallets[13]!;
    feedId = await createFeed(owner, { first: (await now()) + 1n, escrow: parseEther('4') });
    // a one-shot request by the same account, added as a source in the creating transaction
    const oneShot = await makeRequest(v, { quorum: 2, wallet: owner, spec: 'one-shot' });
    await respondAll(v, oneShot);
    // three records (an array spec's elements): the dataset's record count grows by the three the hub was told
    const tree = buildRecordTree(
      [0, 1, 2].map((index) => ({
        requestId: oneShot.requestId,
        index,
        valueHash: VALUE_HASH,
        recordHash: hashJson(`one ${index}`),
      })),
    );
    await send(chain, v.aggregator, {
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'fulfill',
      args: [oneShot.requestId, tree.root, 'bafyreport', oneShot.provers.slice(0, 2), VALUE_HASH, 3],
    });
    let receipt = await write(owner, 'createDataset', ['bafymeta', [feedId], [oneShot.requestId]]);
    datasetId = parseEventLogs({ abi: datasetRegistryAbi, logs: receipt.logs, eventName: 'DatasetCreated' })[0]!.args
      .datasetId;
    const empty = await read<{ root: Hex; version: bigint }>('getDataset', [datasetId]);
    assert.equal(empty.root, accumulatorRoot([]));
    assert.equal(empty.version, 0n);

    const leaves: Hex[] = [];
    let records = 0;
    const appendAndCheck = async (requestId: Hex, root: Hex, proved: Appended['proved'], recordCount = 1) => {
      // permissionless: an account that owns nothing appends
      receipt = await write(chain.wallets[14]!, 'appendRound', [datasetId, requestId]);
      leaves.push(roundLeaf(requestId, root));
      appendedRounds.push({ requestId, root, proved });
      const [ev] = parseEventLogs({ abi: datasetRegistryAbi, logs: receipt.logs, eventName: 'DatasetVersion' });
      assert.equal(ev!.args.version, BigInt(leaves.length));
      assert.equal(ev!.args.root, accumulatorRoot(leaves), `root after ${leaves.length} append(s)`);
      records += recordCount;
      assert.equal(ev!.args.recordCount, BigInt(records), 'the records of every appended request, as declared');
      assert.equal(await read('versionRoot', [datasetId, BigInt(leaves.length)]), accumulatorRoot(leaves));
    };
    for (let i = 0; i < 3; i++) {
      await timeTravel(chain, INTERVAL);
      const { receipt: pr, round } = await poke(chain.wallets[15]!, feedId);
      const f = await fulfilWith(pr, 'feed', Number(round));
      await appendAndCheck(f.requestId, f.root, f.proved);
    }
    // the one-shot request, fulfilled earlier, appended between feed rounds
    await appendAndCheck(oneShot.requestId, tree.root, [], 3);
    // a bigger accumulator: the incremental branch stays equal to the full recomputation
    for (let i = 0; i < 6; i++) {
      await timeTravel(chain, INTERVAL);
      const { receipt: pr, round } = await poke(chain.wallets[15]!, feedId);
      const f = await fulfilWith(pr, 'feed', Number(round));
      await appendAndCheck(f.requestId, f.root, f.proved);
    }
    assert.equal((await read<{ version: bigint }>('getDataset', [datasetId])).version, 10n);
  });

  it('refuses appends twice, of non-sources and of unfulfilled requests; sources are added by their owners', async () => {
    await expectRevert(
      call(chain.wallets[14]!, 'appendRound', [datasetId, appendedRounds[0]!.requestId]),
      'AlreadyAppended',
    );
    const stranger = await makeRequest(v, { quorum: 2, spec: 'not-a-source' });
    await expectRevert(call(chain.wallets[14]!, 'appendRound', [datasetId, stranger.requestId]), 'NotASource');
    // someone else's request cannot be added, nor someone else's feed
    await expectRevert(
      call(chain.wallets[13]!, 'addSources', [datasetId, [], [stranger.requestId]]),
      'NotRequestConsumer',
    );
    const foreignFeed = await createFeed(chain.wallets[16]!, { first: (await now()) + 1n, escrow: 0n });
    await expectRevert(call(chain.wallets[13]!, 'addSources', [datasetId, [foreignFeed], []]), 'NotOwner');
    await expectRevert(call(chain.wallets[16]!, 'addSources', [datasetId, [foreignFeed], []]), 'NotOwner');
    // a pending feed round is a source but cannot be appended before it is fulfilled
    await timeTravel(chain, INTERVAL);
    const { requestId } = await poke(chain.wallets[15]!, feedId);
    await expectRevert(call(chain.wallets[14]!, 'appendRound', [datasetId, requestId]), 'NotFulfilled');
    await expectRevert(read('versionRoot', [datasetId, 11n]), 'UnknownVersion');
  });

  it('checks a dataset proof in Solidity and in TypeScript, and refuses an edited record or a wrong position', async () => {
    const leaves = appendedRounds.map((r) => roundLeaf(r.requestId, r.root));
    for (const version of [3, 10]) {
      const versionRoot = accumulatorRoot(leaves.slice(0, version));
      for (const roundIndex of [0, 2]) {
        const r = appendedRounds[roundIndex]!;
        const p = r.proved[0]!;
        const tree = buildRecordTree([
          { requestId: r.requestId, index: 0, valueHash: VALUE_HASH, recordHash: p.recordHash },
        ]);
        const datasetProof = accumulatorProof(leaves.slice(0, version), roundIndex);
        assert.ok(verifyAccumulatorProof(versionRoot, leaves[roundIndex]!, roundIndex, datasetProof));
        const args = (recordHash: Hex, at: number) =>
          [datasetId, BigInt(version), r.requestId, 0n, recordHash, tree.proof(0), BigInt(at), datasetProof] as const;
        assert.equal(
          await read('verifyRecord', args(p.recordHash, roundIndex)),
          true,
          `v${version} round ${roundIndex}`,
        );
        assert.equal(
          await read('verifyRecord', args(hashJson({ ...p.record, value: 1 }), roundIndex)),
          false,
          'edited record',
        );
        assert.equal(await read('verifyRecord', args(p.recordHash, roundIndex + 1)), false, 'wrong round position');
        assert.equal(
          verifyAccumulatorProof(versionRoot, leaves[roundIndex]!, roundIndex + 1, datasetProof),
          false,
          'TS: wrong round position',
        );
      }
    }
  });

  it('a snapshot of the on-chain rounds recomputes the on-chain version root', async () => {
    const feedRounds = appendedRounds.slice(0, 3);
    const onChain = await read<Hex>('versionRoot', [datasetId, 3n]);
    const s = buildSnapshot({
      dataset: {
        id: String(datasetId),
        name: 'price',
        description: 'the fixture price',
        creator: { name: 'owner' },
        version: 3,
        live: true,
        chainId: chain.anvil.chainId,
        registry,
        root: onChain,
        publishedAt: new Date(0).toISOString(),
      },
      sources: [{ id: `feed-${feedId}`, kind: 'feed', url: 'https://prices.fixture.test/v1/price' }],
      rounds: feedRounds.map((r, i) => ({
        sourceId: `feed-${feedId}`,
        round: i,
        requestId: r.requestId,
        requestRoot: r.root,
        fulfilledAt: new Date(0).toISOString(),
        records: r.proved,
      })),
    });
    assert.equal(s.root, onChain);
  });
});

describe('keeper', () => {
  it('pokes due feeds only; stopped, the feed goes on with any other account poking', async () => {
    const keeper = { publicClient: chain.publicClient, walletClient: chain.wallets[17]! };
    const id = await createFeed(chain.wallets[18]!, { first: (await now()) + 50n, escrow: parseEther('1') });
    assert.ok(!(await dueFeeds(chain.publicClient, registry)).includes(id), 'not due before its first round');
    await timeTravel(chain, 50);
    const tick = await keeperTick(keeper, registry);
    assert.deepEqual(
      tick.poked.filter((p) => p.feedId === id).map((p) => p.round),
      [0],
    );
    const again = await keeperTick(keeper, registry);
    assert.equal(again.poked.filter((p) => p.feedId === id).length, 0, 'a second pass in the same round opens nothing');
    // the keeper stops; the next round is poked by an account that is no keeper
    await timeTravel(chain, INTERVAL);
    const { round, poker } = await poke(chain.wallets[19]!, id);
    assert.equal(round, 1n);
    assert.equal(poker, chain.wallets[19]!.account.address);
  });

  it('appends each fulfilled round of a dataset’s feed, once, and leaves open rounds for a later pass', async () => {
    const keeper = { publicClient: chain.publicClient, walletClient: chain.wallets[17]! };
    const owner = chain.wallets[16]!;
    const id = await createFeed(owner, { first: await now(), escrow: parseEther('2') });
    const created = await write(owner, 'createDataset', ['bafymeta', [id], []]);
    const [ds] = parseEventLogs({ abi: datasetRegistryAbi, logs: created.logs, eventName: 'DatasetCreated' });
    const datasetId = ds!.args.datasetId;
    const opened = await keeperTick(keeper, registry);
    const round0 = opened.poked.find((p) => p.feedId === id)!;
    assert.deepEqual(
      opened.appended.filter((a) => a.datasetId === datasetId),
      [],
      'round 0 is not fulfilled yet',
    );
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: round0.txHash });
    const fulfilled = await fulfilWith(receipt, 'keeper', 0);
    const tick = await keeperTick(keeper, registry);
    const mine = tick.appended.filter((a) => a.datasetId === datasetId);
    assert.deepEqual(
      mine.map((a) => [a.version, a.requestId.toLowerCase()]),
      [[1, fulfilled.requestId.toLowerCase()]],
    );
    assert.equal(mine[0]!.root, accumulatorRoot([roundLeaf(fulfilled.requestId, fulfilled.root)]));
    const again = await keeperTick(keeper, registry);
    assert.equal(again.appended.filter((a) => a.datasetId === datasetId).length, 0, 'appended once');
  });

  it('appends a feed round poked before the dataset named the feed (the README order: feed, then dataset)', async () => {
    const keeper = { publicClient: chain.publicClient, walletClient: chain.wallets[17]! };
    const owner = chain.wallets[16]!;
    const id = await createFeed(owner, { first: await now(), escrow: parseEther('2') });
    const round0 = (await keeperTick(keeper, registry)).poked.find((p) => p.feedId === id)!;
    const created = await write(owner, 'createDataset', ['bafymeta', [id], []]);
    const datasetId = parseEventLogs({ abi: datasetRegistryAbi, logs: created.logs, eventName: 'DatasetCreated' })[0]!
      .args.datasetId;
    const fulfilled = await fulfilWith(
      await chain.publicClient.getTransactionReceipt({ hash: round0.txHash }),
      'keeper-late',
      0,
    );
    const mine = (await keeperTick(keeper, registry)).appended.filter((a) => a.datasetId === datasetId);
    assert.deepEqual(
      mine.map((a) => [a.version, a.requestId.toLowerCase()]),
      [[1, fulfilled.requestId.toLowerCase()]],
    );
  });
});
