// Slashing from equivocation evidence: a notary that signed two different attestations for one (request, prover).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Address, type Hex, keccak256, parseEventLogs, stringToBytes } from 'viem';
import type { ContractAttestation } from '../../core/chain/attestation.ts';
import { operatorRegistryAbi, oracleHubAbi } from '../../core/chain/contracts.ts';
import {
  attestationFor,
  balanceIn,
  type Chain,
  deployFixture,
  expectRevert,
  makeRequest,
  send,
  signAs,
  startChain,
  type Veritas,
} from './fixture.ts';

describe('equivocation slashing', () => {
  let chain: Chain;
  let v: Veritas;
  let r: Awaited<ReturnType<typeof makeRequest>>;
  let a: ContractAttestation;
  let b: ContractAttestation;
  let sigA: Hex;
  let sigB: Hex;
  let prover: Address;
  let notary: Address;
  before(async () => {
    chain = await startChain();
    v = await deployFixture(chain, { operatorCount: 4, slashBps: 5000, reporterRewardBps: 5000 });
    r = await makeRequest(v, { quorum: 2 });
    [prover, notary] = [r.provers[0]!, r.notaries[0]!];
    a = attestationFor(r.requestId, prover, notary, 'the real value');
    b = attestationFor(r.requestId, prover, notary, 'a forged value');
    sigA = await signAs(v, notary, a);
    sigB = await signAs(v, notary, b);
  });
  after(() => chain.anvil.stop());

  const report = (x: ContractAttestation, sx: Hex, y: ContractAttestation, sy: Hex) =>
    send(chain, v.reporter, {
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'reportEquivocation',
      args: [x, sx, y, sy],
    });

  it('forged evidence reverts: a bad signature, identical attestations, different provers / requests / notaries', async () => {
    // b signed by someone else than the notary it names
    await expectRevert(report(a, sigA, b, await signAs(v, prover, b)), 'BadNotarySignature');
    // a signature over other data
    await expectRevert(report(a, sigB, b, sigB), 'BadNotarySignature');
    // the same attestation twice, or two that agree on recvHash and resultHash
    await expectRevert(report(a, sigA, a, sigA), 'NoEquivocation');
    const sameResult = { ...a, tlsTime: a.tlsTime + 1n };
    await expectRevert(report(a, sigA, sameResult, await signAs(v, notary, sameResult)), 'NoEquivocation');
    // different provers, requests or notaries are not comparable
    const otherProver = { ...b, prover: r.provers[1]! };
    await expectRevert(report(a, sigA, otherProver, await signAs(v, notary, otherProver)), 'EvidenceNotComparable');
    const otherRequest = { ...b, requestId: keccak256(stringToBytes('another')) };
    await expectRevert(report(a, sigA, otherRequest, await signAs(v, notary, otherRequest)), 'EvidenceNotComparable');
    const otherNotary = { ...b, notary: prover };
    await expectRevert(report(a, sigA, otherNotary, await signAs(v, prover, otherNotary)), 'EvidenceNotComparable');
    assert.equal(
      await chain.publicClient.readContract({
        address: v.registry,
        abi: operatorRegistryAbi,
        functionName: 'bondOf',
        args: [notary],
      }),
      v.minBond,
      'forged evidence slashed nobody',
    );
  });

  it('valid evidence slashes half the notary bond, pays the reporter half of that, deactivates it, and works once', async () => {
    const rec = await report(a, sigA, b, sigB);
    const slashed = v.minBond / 2n;
    const [ev] = parseEventLogs({ abi: oracleHubAbi, logs: rec.logs, eventName: 'EquivocationReported' });
    assert.equal(ev!.args.notary, notary);
    assert.equal(ev!.args.slashed, slashed);
    assert.equal(ev!.args.reward, slashed / 2n);
    assert.equal(await balanceIn(v, v.reporter.account.address), slashed / 2n);
    assert.equal(
      await chain.publicClient.readContract({ address: v.hub, abi: oracleHubAbi, functionName: 'burned' }),
      slashed - slashed / 2n,
    );
    const [slashEvent] = parseEventLogs({ abi: operatorRegistryAbi, logs: rec.logs, eventName: 'OperatorSlashed' });
    assert.equal(slashEvent!.args.remainingBond, v.minBond - slashed);
    // below minBond: out of the active set, into unbonding (still slashable)
    assert.equal(
      await chain.publicClient.readContract({
        address: v.registry,
        abi: operatorRegistryAbi,
        functionName: 'isActive',
        args: [notary],
      }),
      false,
    );

    await expectRevert(report(a, sigA, b, sigB), 'EvidenceAlreadyUsed');
    await expectRevert(report(b, sigB, a, sigA), 'EvidenceAlreadyUsed');
    // the reward is a pull payment like any other
    await send(chain, v.reporter, { address: v.hub, abi: oracleHubAbi, functionName: 'withdraw' });
    assert.equal(await balanceIn(v, v.reporter.account.address), 0n);
  });

  it('differing resultHash alone (same transcript) is equivocation too', async () => {
    const p2 = r.provers[1]!;
    const n2 = r.notaries[1]!;
    const x = attestationFor(r.requestId, p2, n2, 'v');
    const y = { ...x, resultHash: keccak256(stringToBytes('another extraction')) };
    const rec = await report(x, await signAs(v, n2, x), y, await signAs(v, n2, y));
    assert.equal(parseEventLogs({ abi: oracleHubAbi, logs: rec.logs, eventName: 'EquivocationReported' }).length, 1);
  });
});
