// Reentrancy and hostile consumers: withdraw re-entered from receive, callbacks that re-enter, revert, burn gas, bomb.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Address, type Hex, parseEther, parseEventLogs } from 'viem';
import { decodeRevertData, deployAndWait, oracleHubAbi } from '../../core/chain/contracts.ts';
import {
  reentrantConsumerAbi,
  reentrantConsumerBytecode,
  reentrantWithdrawerAbi,
  reentrantWithdrawerBytecode,
} from '../../oracle-contracts/generated/artifacts.ts';
import {
  balanceIn,
  type Chain,
  deployFixture,
  expectRevert,
  fulfill,
  requestFromReceipt,
  respondAll,
  resultHashOf,
  send,
  specHashOf,
  startChain,
  timeTravel,
  type Veritas,
} from './fixture.ts';

describe('reentrancy', () => {
  let chain: Chain;
  let v: Veritas;
  before(async () => {
    chain = await startChain();
    v = await deployFixture(chain, { operatorCount: 3 });
  });
  after(() => chain.anvil.stop());

  const deadline = async () => (await chain.publicClient.getBlock()).timestamp + 600n;

  it('withdraw re-entered from the receive hook: Reentrancy, and the refund is paid exactly once', async () => {
    const clients = { walletClient: v.deployer, publicClient: chain.publicClient };
    const { address: attacker } = await deployAndWait(clients, {
      abi: reentrantWithdrawerAbi,
      bytecode: reentrantWithdrawerBytecode,
      args: [v.hub],
    });
    const fee = parseEther('0.4');
    const rec = await send(chain, v.deployer, {
      address: attacker,
      abi: reentrantWithdrawerAbi,
      functionName: 'makeRequest',
      args: [specHashOf('x'), 2, await deadline()],
      value: fee,
      gas: 1_000_000n,
    });
    const r = await requestFromReceipt(v, rec);
    await timeTravel(chain, 601);
    await send(chain, v.reporter, { address: v.hub, abi: oracleHubAbi, functionName: 'expire', args: [r.requestId] });
    assert.equal(await balanceIn(v, attacker), fee);
    const hubBefore = await chain.publicClient.getBalance({ address: v.hub });

    await send(chain, v.deployer, { address: attacker, abi: reentrantWithdrawerAbi, functionName: 'attack' });
    const read = (functionName: 'received' | 'reentryAttempts' | 'reentrySuccesses' | 'lastReentryError') =>
      chain.publicClient.readContract({ address: attacker, abi: reentrantWithdrawerAbi, functionName });
    assert.equal(await read('received'), fee);
    assert.equal(await read('reentryAttempts'), 1n);
    assert.equal(await read('reentrySuccesses'), 0n);
    assert.equal(decodeRevertData((await read('lastReentryError')) as Hex), 'Reentrancy');
    assert.equal(await chain.publicClient.getBalance({ address: v.hub }), hubBefore - fee);
    assert.equal(await balanceIn(v, attacker), 0n);
  });

  describe('hostile consumer callbacks never undo the fulfilment', () => {
    let consumer: Address;
    before(async () => {
      const clients = { walletClient: v.deployer, publicClient: chain.publicClient };
      consumer = (
        await deployAndWait(clients, { abi: reentrantConsumerAbi, bytecode: reentrantConsumerBytecode, args: [v.hub] })
      ).address;
    });

    const requestAs = async (mode: number) => {
      await send(chain, v.deployer, {
        address: consumer,
        abi: reentrantConsumerAbi,
        functionName: 'setMode',
        args: [mode],
      });
      const rec = await send(chain, v.deployer, {
        address: consumer,
        abi: reentrantConsumerAbi,
        functionName: 'makeRequest',
        args: [specHashOf(`mode ${mode}`), 2, await deadline()],
        value: parseEther('0.1'),
        gas: 1_000_000n,
      });
      const r = await requestFromReceipt(v, rec);
      await respondAll(v, r);
      return r;
    };
    const status = async (requestId: Hex) =>
      (
        await chain.publicClient.readContract({
          address: v.hub,
          abi: oracleHubAbi,
          functionName: 'getRequest',
          args: [requestId],
        })
      ).status;

    it('a callback re-entering withdraw, fulfill and expire is refused (Reentrancy) and the fulfilment stands', async () => {
      const r = await requestAs(0);
      const rec = await fulfill(v, r.requestId, r.provers);
      assert.equal(parseEventLogs({ abi: oracleHubAbi, logs: rec.logs, eventName: 'CallbackFailed' }).length, 0);
      const read = (functionName: 'callbackRan' | 'withdrawError' | 'fulfillError' | 'expireError') =>
        chain.publicClient.readContract({ address: consumer, abi: reentrantConsumerAbi, functionName });
      assert.equal(await read('callbackRan'), true);
      for (const f of ['withdrawError', 'fulfillError', 'expireError'] as const) {
        assert.equal(decodeRevertData((await read(f)) as Hex), 'Reentrancy', f);
      }
      assert.equal(await status(r.requestId), 2);
    });

    for (const [mode, what] of [
      [1, 'reverts'],
      [2, 'burns all its gas'],
      [3, 'reverts with 100 kB of data'],
    ] as const) {
      it(`a callback that ${what}: CallbackFailed, fulfilled, fees credited, gas capped`, async () => {
        const r = await requestAs(mode);
        const before = await balanceIn(v, r.provers[0]!);
        const rec = await fulfill(v, r.requestId, r.provers, undefined, 1_000_000n);
        const [failed] = parseEventLogs({ abi: oracleHubAbi, logs: rec.logs, eventName: 'CallbackFailed' });
        assert.equal(failed!.args.consumer, consumer);
        assert.equal(await status(r.requestId), 2);
        assert.ok((await balanceIn(v, r.provers[0]!)) > before);
        // the consumer can burn at most the 200k cap of the aggregator's 1M gas budget
        assert.ok(rec.gasUsed < 1_000_000n - 500_000n, `fulfil used ${rec.gasUsed}`);
      });
    }

    it('too little gas to honour the callback cap: InsufficientCallbackGas, nothing changes', async () => {
      const r = await requestAs(1);
      // a gas limit that covers the bookkeeping but not the 200k the consumer is promised
      await expectRevert(
        chain.publicClient.simulateContract({
          account: v.aggregator.account,
          address: v.hub,
          abi: oracleHubAbi,
          functionName: 'fulfill',
          args: [r.requestId, specHashOf('root'), 'cid', r.provers, resultHashOf('result'), 1],
          gas: 300_000n,
        }),
        'InsufficientCallbackGas',
      );
      assert.equal(await status(r.requestId), 1);
    });
  });
});
