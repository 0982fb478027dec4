// OracleHub: the request → respond → fulfil happy path with fee split and callback, over-sampling (more provers than
// the quorum, so responses can be left out), and every revert on the way.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  type Address,
  type Hex,
  hexToBigInt,
  keccak256,
  numberToHex,
  parseEther,
  parseEventLogs,
  slice,
  stringToBytes,
} from 'viem';
import { attestationDigest, isSignedByNotary, recoverAttestationSigner } from '../../core/chain/attestation.ts';
import { deployExampleConsumer, exampleConsumerAbi, oracleHubAbi } from '../../core/chain/contracts.ts';
import {
  attestationFor,
  balanceIn,
  type Chain,
  deployFixture,
  expectRevert,
  fulfill,
  makeRequest,
  requestFromReceipt,
  resultHashOf,
  respond,
  respondAll,
  send,
  signAs,
  specHashOf,
  startChain,
  timeTravel,
  type Veritas,
  walletOf,
} from './fixture.ts';

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

describe('OracleHub', () => {
  let chain: Chain;
  let v: Veritas;
  before(async () => {
    chain = await startChain();
    v = await deployFixture(chain, { operatorCount: 5 });
  });
  after(() => chain.anvil.stop());

  const respondWith = (prover: Address, requestId: Hex, att: ReturnType<typeof attestationFor>, sig: Hex) =>
    send(chain, walletOf(v, prover), {
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'respond',
      args: [requestId, 'bafybundle', att, sig],
    });

  it('happy path: consumer contract requests quorum 3, 4 provers respond, aggregator fulfils with 3, fee split, callback stores root', async () => {
    const consumerContract = await deployExampleConsumer(
      { walletClient: v.consumer, publicClient: chain.publicClient },
      v.hub,
    );
    const now = (await chain.publicClient.getBlock()).timestamp;
    const fee = parseEther('1');
    const receipt = await send(chain, v.consumer, {
      address: consumerContract,
      abi: exampleConsumerAbi,
      functionName: 'requestData',
      args: [
        specHashOf('btc-usd'),
        'bafyspec',
        { quorum: 3, policy: 0, minAgreement: 0, bandBps: 0, deadline: now + 600n },
      ],
      value: fee,
    });
    const r = await requestFromReceipt(v, receipt);
    const request = await chain.publicClient.readContract({
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'getRequest',
      args: [r.requestId],
    });
    assert.equal(request.consumer, consumerContract);
    assert.equal(request.fee, fee);
    assert.equal(request.quorum, 3);
    assert.equal(request.status, 1); // Pending
    assert.equal(request.specCid, 'bafyspec');

    // over-sampling: quorum 3 of 5 active operators assigns min(3 + 1, 5) = 4 provers
    assert.equal(r.provers.length, 4);
    assert.equal(new Set(r.provers).size, 4);
    for (let i = 0; i < r.provers.length; i++) {
      const rec = await respond(v, r.requestId, r.provers[i]!, r.notaries[i]!);
      const [ev] = parseEventLogs({ abi: oracleHubAbi, logs: rec.logs, eventName: 'ResponseSubmitted' });
      assert.equal(ev!.args.prover, r.provers[i]);
      assert.equal(ev!.args.notary, r.notaries[i]);
      assert.equal(ev!.args.bundleCid, `bafybundle-${r.provers[i]}`);
    }
    const stored = await chain.publicClient.readContract({
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'responses',
      args: [r.requestId],
    });
    assert.deepEqual(
      stored.map((s) => s.prover),
      r.provers,
    );
    const one = await chain.publicClient.readContract({
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'getResponse',
      args: [r.requestId, r.provers[1]!],
    });
    assert.equal(one.notary, r.notaries[1]);
    assert.equal(one.resultHash, keccak256(stringToBytes('result')));

    assert.equal(
      (
        await chain.publicClient.readContract({
          address: v.hub,
          abi: oracleHubAbi,
          functionName: 'getRequest',
          args: [r.requestId],
        })
      ).responseCount,
      4,
    );

    // the aggregator leaves the last responder out (say, an outlier) and still meets the quorum of 3
    const included = r.provers.slice(0, 3);
    const includedNotaries = r.notaries.slice(0, 3);
    const before = new Map<Address, bigint>();
    for (const a of [...r.provers, ...r.notaries]) before.set(a, await balanceIn(v, a));
    const rec = await fulfill(v, r.requestId, included);
    const events = parseEventLogs({ abi: oracleHubAbi, logs: rec.logs });
    const fulfilled = events.find((e) => e.eventName === 'RequestFulfilled');
    assert.ok(fulfilled && fulfilled.eventName === 'RequestFulfilled');
    assert.deepEqual([...fulfilled.args.included], included);
    const after = await chain.publicClient.readContract({
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'responses',
      args: [r.requestId],
    });
    assert.deepEqual(
      after.map((s) => s.included),
      [true, true, true, false],
    );
    assert.equal(
      events.some((e) => e.eventName === 'CallbackFailed'),
      false,
    );
    const root = keccak256(stringToBytes(`root:${r.requestId}`));
    const [deliveredRoot, valueHash, numericValue, challengeDeadline] = await chain.publicClient.readContract({
      address: consumerContract,
      abi: exampleConsumerAbi,
      functionName: 'deliveries',
      args: [r.requestId],
    });
    assert.deepEqual([deliveredRoot, valueHash, numericValue], [root, resultHashOf('result'), 0n]);
    assert.ok(challengeDeadline > now, 'the callback names the end of the challenge window');

    // fee split among the 3 included only: 70% shared by their provers, 30% by their notaries, remainder to the
    // first included prover; the left-out responder gets no prover share (only what it earns as someone's notary)
    const proverEach = (fee * 7000n) / 10000n / 3n;
    const notaryEach = (fee - (fee * 7000n) / 10000n) / 3n;
    const remainder = fee - (proverEach + notaryEach) * 3n;
    const expected = new Map<Address, bigint>(before);
    for (const p of included) expected.set(p, expected.get(p)! + proverEach);
    for (const n of includedNotaries) expected.set(n, expected.get(n)! + notaryEach);
    expected.set(included[0]!, expected.get(included[0]!)! + remainder);
    const leftOut = r.provers[3]!;
    assert.equal(
      expected.get(leftOut)! - before.get(leftOut)!,
      notaryEach * BigInt(includedNotaries.filter((n) => n === leftOut).length),
    );
    for (const [a, amount] of expected) assert.equal(await balanceIn(v, a), amount, `credit of ${a}`);

    const got = await chain.publicClient.readContract({
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'getRequest',
      args: [r.requestId],
    });
    assert.equal(got.status, 2); // Fulfilled
    assert.equal(got.merkleRoot, root);
    assert.equal(got.reportCid, 'bafyreport');

    // pull payment
    const prover = walletOf(v, r.provers[1]!);
    const owed = await balanceIn(v, prover.account.address);
    const ethBefore = await chain.publicClient.getBalance({ address: prover.account.address });
    const wrec = await send(chain, prover, { address: v.hub, abi: oracleHubAbi, functionName: 'withdraw' });
    const ethAfter = await chain.publicClient.getBalance({ address: prover.account.address });
    assert.equal(ethAfter - ethBefore + wrec.gasUsed * wrec.effectiveGasPrice, owed);
    assert.equal(await balanceIn(v, prover.account.address), 0n);
    await expectRevert(
      send(chain, prover, { address: v.hub, abi: oracleHubAbi, functionName: 'withdraw' }),
      'NothingToWithdraw',
    );
  });

  it('the TypeScript digest and recovery match the contract', async () => {
    const r = await makeRequest(v, { quorum: 1 });
    const att = attestationFor(r.requestId, r.provers[0]!, r.notaries[0]!);
    const sig = await signAs(v, r.notaries[0]!, att);
    const onChain = await chain.publicClient.readContract({
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'attestationDigest',
      args: [att],
    });
    assert.equal(onChain, attestationDigest(v.domain, att));
    assert.equal(await recoverAttestationSigner(v.domain, att, sig), r.notaries[0]);
    assert.equal(await isSignedByNotary(v.domain, att, sig), true);
    assert.equal(await isSignedByNotary(v.domain, { ...att, recvHash: keccak256('0x01') }, sig), false);
  });

  describe('respond reverts', () => {
    let r: Awaited<ReturnType<typeof makeRequest>>;
    let outsider: Address; // a registered operator that is no prover of this request
    before(async () => {
      r = await makeRequest(v, { quorum: 3 });
      outsider = v.operators.map((o) => o.account.address).find((a) => !r.provers.includes(a))!;
    });

    it('an unregistered responder: NotAssigned', async () => {
      const stranger = v.reporter.account.address;
      const att = attestationFor(r.requestId, stranger, r.notaries[0]!);
      await expectRevert(respondWith(stranger, r.requestId, att, await signAs(v, r.notaries[0]!, att)), 'NotAssigned');
    });

    it('a registered but unassigned operator: NotAssigned', async () => {
      const att = attestationFor(r.requestId, outsider, r.notaries[0]!);
      await expectRevert(respondWith(outsider, r.requestId, att, await signAs(v, r.notaries[0]!, att)), 'NotAssigned');
    });

    it('a notary signature from the wrong key: BadNotarySignature', async () => {
      const att = attestationFor(r.requestId, r.provers[0]!, r.notaries[0]!);
      // signed by the prover itself, and by an operator that is not this prover's notary
      await expectRevert(
        respondWith(r.provers[0]!, r.requestId, att, await signAs(v, r.provers[0]!, att)),
        'BadNotarySignature',
      );
      await expectRevert(
        respondWith(
          r.provers[0]!,
          r.requestId,
          att,
          await signAs(v, outsider === r.notaries[0] ? r.provers[1]! : outsider, att),
        ),
        'BadNotarySignature',
      );
    });

    it('a notary signature over other data: BadNotarySignature', async () => {
      const att = attestationFor(r.requestId, r.provers[0]!, r.notaries[0]!);
      const other = { ...att, recvHash: keccak256(stringToBytes('a different response')) };
      await expectRevert(
        respondWith(r.provers[0]!, r.requestId, att, await signAs(v, r.notaries[0]!, other)),
        'BadNotarySignature',
      );
      // the right data under another domain (another hub) does not count either
      const otherDomain = { ...v.domain, verifyingContract: v.registry };
      const { signAttestation } = await import('../../core/chain/attestation.ts');
      const { privateKeyToAccount } = await import('viem/accounts');
      const sig = await signAttestation(privateKeyToAccount(chain.keyOf.get(r.notaries[0]!)!), otherDomain, att);
      await expectRevert(respondWith(r.provers[0]!, r.requestId, att, sig), 'BadNotarySignature');
    });

    it('a malleable (high-s) twin of a valid signature: BadNotarySignature, and TS refuses it too', async () => {
      const att = attestationFor(r.requestId, r.provers[0]!, r.notaries[0]!);
      const sig = await signAs(v, r.notaries[0]!, att);
      const s = hexToBigInt(slice(sig, 32, 64));
      const vByte = Number(hexToBigInt(slice(sig, 64, 65)));
      const twin =
        `${slice(sig, 0, 32)}${numberToHex(N - s, { size: 32 }).slice(2)}${numberToHex(vByte === 27 ? 28 : 27, { size: 1 }).slice(2)}` as Hex;
      await expectRevert(respondWith(r.provers[0]!, r.requestId, att, twin), 'BadNotarySignature');
      await assert.rejects(recoverAttestationSigner(v.domain, att, twin), { code: 'BAD_SIGNATURE' });
      await expectRevert(respondWith(r.provers[0]!, r.requestId, att, slice(sig, 0, 64)), 'BadNotarySignature');
    });

    it('an attestation naming another notary, even validly signed by it: WrongNotary', async () => {
      const other = v.operators.map((o) => o.account.address).find((a) => a !== r.notaries[0] && a !== r.provers[0])!;
      const att = attestationFor(r.requestId, r.provers[0]!, other);
      await expectRevert(respondWith(r.provers[0]!, r.requestId, att, await signAs(v, other, att)), 'WrongNotary');
    });

    it('an attestation for another request or prover: AttestationMismatch; another spec: WrongSpec', async () => {
      const good = attestationFor(r.requestId, r.provers[0]!, r.notaries[0]!);
      const otherRequest = { ...good, requestId: keccak256('0x1234') };
      await expectRevert(
        respondWith(r.provers[0]!, r.requestId, otherRequest, await signAs(v, r.notaries[0]!, otherRequest)),
        'AttestationMismatch',
      );
      const otherProver = { ...good, prover: r.provers[1]! };
      await expectRevert(
        respondWith(r.provers[0]!, r.requestId, otherProver, await signAs(v, r.notaries[0]!, otherProver)),
        'AttestationMismatch',
      );
      const otherSpec = { ...good, specHash: specHashOf('another spec') };
      await expectRevert(
        respondWith(r.provers[0]!, r.requestId, otherSpec, await signAs(v, r.notaries[0]!, otherSpec)),
        'WrongSpec',
      );
    });

    it('an unknown request: UnknownRequest', async () => {
      const id = keccak256('0xdead');
      const att = attestationFor(id, r.provers[0]!, r.notaries[0]!);
      await expectRevert(respondWith(r.provers[0]!, id, att, await signAs(v, r.notaries[0]!, att)), 'UnknownRequest');
    });

    it('a double response: AlreadyResponded', async () => {
      await respond(v, r.requestId, r.provers[0]!, r.notaries[0]!);
      await expectRevert(respond(v, r.requestId, r.provers[0]!, r.notaries[0]!, 'changed my mind'), 'AlreadyResponded');
    });

    it('fulfil before quorum: QuorumNotMet; listing a non-responder: NotResponded; twice: DuplicateIncluded', async () => {
      await respond(v, r.requestId, r.provers[1]!, r.notaries[1]!);
      await expectRevert(fulfill(v, r.requestId, r.provers.slice(0, 2)), 'QuorumNotMet');
      await expectRevert(fulfill(v, r.requestId, r.provers.slice(0, 3)), 'NotResponded');
      await expectRevert(fulfill(v, r.requestId, r.provers), 'NotResponded');
      await expectRevert(fulfill(v, r.requestId, [r.provers[0]!, r.provers[1]!, r.provers[0]!]), 'DuplicateIncluded');
    });

    it('a late response (time travel past the deadline): DeadlinePassed', async () => {
      const now = (await chain.publicClient.getBlock()).timestamp;
      await timeTravel(chain, Number(r.deadline - now) + 1);
      await expectRevert(respond(v, r.requestId, r.provers[2]!, r.notaries[2]!), 'DeadlinePassed');
    });
  });

  it('fulfil by a non-aggregator: NotAggregator; twice: AlreadyFulfilled; respond afterwards: AlreadyFulfilled', async () => {
    const r = await makeRequest(v, { quorum: 2 });
    await respond(v, r.requestId, r.provers[0]!, r.notaries[0]!);
    await respond(v, r.requestId, r.provers[1]!, r.notaries[1]!);
    const included = r.provers.slice(0, 2); // the third assigned prover never answered
    await expectRevert(fulfill(v, r.requestId, included, v.consumer), 'NotAggregator');
    await expectRevert(fulfill(v, r.requestId, included, walletOf(v, r.provers[0]!)), 'NotAggregator');
    await fulfill(v, r.requestId, included);
    await expectRevert(fulfill(v, r.requestId, included), 'AlreadyFulfilled');
    await expectRevert(respond(v, r.requestId, r.provers[2]!, r.notaries[2]!), 'AlreadyFulfilled');
    await expectRevert(
      send(chain, v.consumer, { address: v.hub, abi: oracleHubAbi, functionName: 'expire', args: [r.requestId] }),
      'AlreadyFulfilled',
    );
  });

  it('refund only after the deadline and only once', async () => {
    const fee = parseEther('0.5');
    const r = await makeRequest(v, { quorum: 2, fee, ttl: 300 });
    const expire = () =>
      send(chain, v.reporter, { address: v.hub, abi: oracleHubAbi, functionName: 'expire', args: [r.requestId] });
    await expectRevert(expire(), 'NotExpired');
    // Exactly at the deadline: still answerable, not expired. Pinned with setNextBlockTimestamp, because a relative
    // time jump lands a second later whenever the wall clock ticks between the jump and the transaction.
    await chain.testClient.setNextBlockTimestamp({ timestamp: r.deadline });
    await expectRevert(expire(), 'NotExpired');
    await chain.testClient.setNextBlockTimestamp({ timestamp: r.deadline + 1n });
    const owedBefore = await balanceIn(v, v.consumer.account.address);
    const rec = await expire(); // anyone may expire; the refund goes to the consumer
    const [ev] = parseEventLogs({ abi: oracleHubAbi, logs: rec.logs, eventName: 'RequestExpired' });
    assert.equal(ev!.args.refund, fee);
    assert.equal(ev!.args.consumer, v.consumer.account.address);
    assert.equal(await balanceIn(v, v.consumer.account.address), owedBefore + fee);
    await expectRevert(expire(), 'AlreadyExpired');
    await expectRevert(fulfill(v, r.requestId, r.provers), 'AlreadyExpired');
    await send(chain, v.consumer, { address: v.hub, abi: oracleHubAbi, functionName: 'withdraw' });
    assert.equal(await balanceIn(v, v.consumer.account.address), 0n);
    await expectRevert(
      send(chain, v.consumer, { address: v.hub, abi: oracleHubAbi, functionName: 'withdraw' }),
      'NothingToWithdraw',
    );
    await expectRevert(
      send(chain, v.consumer, { address: v.hub, abi: oracleHubAbi, functionName: 'expire', args: [keccak256('0x01')] }),
      'UnknownRequest',
    );
  });

  it('a deadline in the past: DeadlineInPast; stray ETH: UnexpectedPayment; admin: NotOwner', async () => {
    const now = (await chain.publicClient.getBlock()).timestamp;
    await expectRevert(
      send(chain, v.consumer, {
        address: v.hub,
        abi: oracleHubAbi,
        functionName: 'request',
        args: [specHashOf('x'), 'cid', { quorum: 1, policy: 0, minAgreement: 0, bandBps: 0, deadline: now - 1n }],
      }),
      'DeadlineInPast',
    );
    await assert.rejects(v.consumer.sendTransaction({ to: v.hub, value: 1n }));
    await expectRevert(
      send(chain, v.consumer, {
        address: v.hub,
        abi: oracleHubAbi,
        functionName: 'proposeAggregator',
        args: [v.consumer.account.address, true],
      }),
      'NotOwner',
    );
  });

  it('an EOA consumer gets no callback (aggregator rotation: test/contracts/aggregator.test.ts)', async () => {
    const r = await makeRequest(v, { quorum: 1 });
    await respondAll(v, r);
    const rec = await fulfill(v, r.requestId, r.provers);
    assert.equal(parseEventLogs({ abi: oracleHubAbi, logs: rec.logs, eventName: 'CallbackFailed' }).length, 0);
  });

  describe('over-sampling: quorum 2 with 3 active operators', () => {
    let v3: Veritas;
    before(async () => {
      v3 = await deployFixture(chain, { operatorCount: 3 });
    });

    it('assigns all 3 operators as provers, each with another operator as notary', async () => {
      const r = await makeRequest(v3, { quorum: 2 });
      assert.equal(r.provers.length, 3);
      assert.deepEqual([...r.provers].sort(), v3.operators.map((o) => o.account.address).sort());
      for (let i = 0; i < 3; i++) assert.notEqual(r.notaries[i], r.provers[i]);
      const request = await chain.publicClient.readContract({
        address: v3.hub,
        abi: oracleHubAbi,
        functionName: 'getRequest',
        args: [r.requestId],
      });
      assert.equal(request.quorum, 2);
    });

    it('all 3 respond; fulfilled with 2 included, the third left out unpaid as a prover; 1 included: QuorumNotMet', async () => {
      const fee = parseEther('0.3');
      const r = await makeRequest(v3, { quorum: 2, fee });
      await respondAll(v3, r);
      const request = await chain.publicClient.readContract({
        address: v3.hub,
        abi: oracleHubAbi,
        functionName: 'getRequest',
        args: [r.requestId],
      });
      assert.equal(request.responseCount, 3);

      // the aggregator excludes one responder (an invalid bundle or an outlier) and keeps the other two
      const [a, b, out] = [0, 1, 2].map((i) => r.provers[i]!) as [Address, Address, Address];
      await expectRevert(fulfill(v3, r.requestId, [a]), 'QuorumNotMet');
      await expectRevert(fulfill(v3, r.requestId, []), 'QuorumNotMet');
      await expectRevert(fulfill(v3, r.requestId, [a, a]), 'DuplicateIncluded');

      const before = new Map<Address, bigint>();
      for (const x of r.provers) before.set(x, await balanceIn(v3, x));
      const rec = await fulfill(v3, r.requestId, [a, b]);
      const [ev] = parseEventLogs({ abi: oracleHubAbi, logs: rec.logs, eventName: 'RequestFulfilled' });
      assert.deepEqual([...ev!.args.included], [a, b]);
      const got = await chain.publicClient.readContract({
        address: v3.hub,
        abi: oracleHubAbi,
        functionName: 'getRequest',
        args: [r.requestId],
      });
      assert.equal(got.status, 2); // Fulfilled

      const responseOf = (p: Address) =>
        chain.publicClient.readContract({
          address: v3.hub,
          abi: oracleHubAbi,
          functionName: 'getResponse',
          args: [r.requestId, p],
        });
      assert.equal((await responseOf(a)).included, true);
      assert.equal((await responseOf(b)).included, true);
      assert.equal((await responseOf(out)).included, false);

      // fee split between the 2 included (provers 70%, their notaries 30%); the left-out prover earns only as a notary
      const proverEach = (fee * 7000n) / 10000n / 2n;
      const notaryEach = (fee - (fee * 7000n) / 10000n) / 2n;
      const remainder = fee - (proverEach + notaryEach) * 2n;
      const notaryShares = (x: Address) => notaryEach * BigInt(r.notaries.slice(0, 2).filter((n) => n === x).length);
      assert.equal((await balanceIn(v3, a)) - before.get(a)!, proverEach + remainder + notaryShares(a));
      assert.equal((await balanceIn(v3, b)) - before.get(b)!, proverEach + notaryShares(b));
      assert.equal((await balanceIn(v3, out)) - before.get(out)!, notaryShares(out));
      let credited = 0n;
      for (const x of r.provers) credited += (await balanceIn(v3, x)) - before.get(x)!;
      assert.equal(credited, fee, 'the whole fee is credited, to the included provers and their notaries');
    });

    it('fulfilled with all 3 responders too (more than quorum), fee split three ways', async () => {
      const r = await makeRequest(v3, { quorum: 2 });
      await respondAll(v3, r);
      const rec = await fulfill(v3, r.requestId, r.provers);
      const [ev] = parseEventLogs({ abi: oracleHubAbi, logs: rec.logs, eventName: 'RequestFulfilled' });
      assert.deepEqual([...ev!.args.included], r.provers);
    });
  });
});
