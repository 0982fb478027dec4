// OperatorRegistry: bonds, active-set enumeration, the unbond delay, hub-only slashing, reentrancy on withdrawBond.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseEther, parseEventLogs } from 'viem';
import { deployAndWait, decodeRevertData, operatorRegistryAbi } from '../../core/chain/contracts.ts';
import { reentrantOperatorAbi, reentrantOperatorBytecode } from '../../oracle-contracts/generated/artifacts.ts';
import { type Chain, deployFixture, expectRevert, send, startChain, timeTravel, type Veritas } from './fixture.ts';

describe('OperatorRegistry', () => {
  let chain: Chain;
  let v: Veritas;
  before(async () => {
    chain = await startChain();
    v = await deployFixture(chain, {
      operatorCount: 3,
      unbondDelay: 3600,
      maxDeadlineWindow: 1800,
      challengeWindow: 1800,
    });
  });
  after(() => chain.anvil.stop());

  const read = <F extends 'activeOperators' | 'isActive' | 'operatorInfo' | 'bondOf'>(
    functionName: F,
    args?: readonly unknown[],
  ) =>
    chain.publicClient.readContract({
      address: v.registry,
      abi: operatorRegistryAbi,
      functionName,
      args,
    } as never) as Promise<never>;

  it('enumerates the registered operators with their bond and metadata', async () => {
    const active: string[] = await read('activeOperators');
    assert.deepEqual(
      active,
      v.operators.map((o) => o.account.address),
    );
    const info: { status: number; bond: bigint; metadataURI: string } = await read('operatorInfo', [active[0]]);
    assert.equal(info.status, 1);
    assert.equal(info.bond, v.minBond);
    assert.match(info.metadataURI, /^ws:\/\/127\.0\.0\.1/);
    assert.equal(await read('isActive', [active[0]]), true);
  });

  it('refuses a bond below minBond, a second registration, and empty metadata', async () => {
    const newcomer = chain.wallets[12]!;
    const register = (value: bigint, uri = 'data:application/json,{"notary":"ws://127.0.0.1:1"}') =>
      send(chain, newcomer, {
        address: v.registry,
        abi: operatorRegistryAbi,
        functionName: 'register',
        args: [uri],
        value,
      });
    await expectRevert(register(v.minBond - 1n), 'InsufficientBond');
    await expectRevert(register(v.minBond, ''), 'EmptyMetadata');
    const rec = await register(v.minBond + 5n);
    const [ev] = parseEventLogs({ abi: operatorRegistryAbi, logs: rec.logs, eventName: 'OperatorRegistered' });
    assert.equal(ev!.args.bond, v.minBond + 5n);
    await expectRevert(register(v.minBond), 'AlreadyRegistered');
    await send(chain, newcomer, {
      address: v.registry,
      abi: operatorRegistryAbi,
      functionName: 'increaseBond',
      value: 7n,
    });
    assert.equal(await read('bondOf', [newcomer.account.address]), v.minBond + 12n);
    await send(chain, newcomer, {
      address: v.registry,
      abi: operatorRegistryAbi,
      functionName: 'updateMetadata',
      args: ['ws://127.0.0.1:9'],
    });
  });

  it('unbond delay: leaves the active set at once, withdraws only after the delay, exactly the bond, once', async () => {
    const op = v.operators[1]!;
    const me = op.account.address;
    const call = (functionName: 'requestUnbond' | 'withdrawBond') =>
      send(chain, op, { address: v.registry, abi: operatorRegistryAbi, functionName });
    await expectRevert(call('withdrawBond'), 'NotUnbonding');
    await call('requestUnbond');
    assert.equal(await read('isActive', [me]), false);
    assert.equal(((await read<'activeOperators'>('activeOperators')) as string[]).includes(me), false);
    await expectRevert(call('requestUnbond'), 'NotActive');
    await expectRevert(call('withdrawBond'), 'UnbondDelayNotElapsed');
    await timeTravel(chain, 3000);
    await expectRevert(call('withdrawBond'), 'UnbondDelayNotElapsed');
    await timeTravel(chain, 600);
    const before = await chain.publicClient.getBalance({ address: me });
    const rec = await call('withdrawBond');
    const after = await chain.publicClient.getBalance({ address: me });
    assert.equal(after - before + rec.gasUsed * rec.effectiveGasPrice, v.minBond);
    await expectRevert(call('withdrawBond'), 'NotUnbonding');
    // may come back later
    await send(chain, op, {
      address: v.registry,
      abi: operatorRegistryAbi,
      functionName: 'register',
      args: ['ws://back'],
      value: v.minBond,
    });
    assert.equal(await read('isActive', [me]), true);
  });

  it('slash is callable only by the hub; setHub only once', async () => {
    await expectRevert(
      send(chain, v.deployer, {
        address: v.registry,
        abi: operatorRegistryAbi,
        functionName: 'slash',
        args: [v.operators[0]!.account.address, 1n, 'no'],
      }),
      'NotHub',
    );
    await expectRevert(
      send(chain, v.deployer, {
        address: v.registry,
        abi: operatorRegistryAbi,
        functionName: 'setHub',
        args: [v.deployer.account.address],
      }),
      'HubAlreadySet',
    );
  });

  it('reentrancy through withdrawBond is refused; the bond is paid once', async () => {
    const clients = { walletClient: v.deployer, publicClient: chain.publicClient };
    const { address: attacker } = await deployAndWait(clients, {
      abi: reentrantOperatorAbi,
      bytecode: reentrantOperatorBytecode,
      args: [v.registry],
    });
    const call = (functionName: 'register' | 'requestUnbond' | 'withdrawBond', value?: bigint) =>
      send(chain, v.deployer, {
        address: attacker,
        abi: reentrantOperatorAbi,
        functionName,
        ...(value ? { value } : {}),
      });
    await call('register', parseEther('2'));
    await call('requestUnbond');
    await timeTravel(chain, 3601);
    await call('withdrawBond');
    const r = (f: 'received' | 'reentryAttempts' | 'lastReentryError') =>
      chain.publicClient.readContract({ address: attacker, abi: reentrantOperatorAbi, functionName: f });
    assert.equal(await r('received'), parseEther('2'));
    assert.equal(await r('reentryAttempts'), 1n);
    assert.equal(decodeRevertData((await r('lastReentryError')) as `0x${string}`), 'Reentrancy');
    assert.equal(await chain.publicClient.getBalance({ address: v.registry }), v.minBond * 4n + 12n); // 3 operators + the newcomer (+12 wei); nothing left by the attacker
  });
});
