// core/chain/anvil.ts: starts a real anvil on a free loopback port, funds the dev keys, stops it for good.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type Anvil, startAnvil } from '../../core/chain/anvil.ts';
import { createVeritasPublicClient, createVeritasWalletClient } from '../../core/chain/clients.ts';

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Resolves when `anvil` mines a block after its current head: waits for the block event, not for a fixed time. */
async function nextBlock(anvil: Anvil): Promise<void> {
  const pub = createVeritasPublicClient(anvil.rpcUrl, anvil.chainId, { pollingIntervalMs: 50 });
  const start = await pub.getBlockNumber();
  await new Promise<void>((resolve) => {
    const unwatch = pub.watchBlockNumber({
      onBlockNumber: (n) => {
        if (n > start) {
          unwatch();
          resolve();
        }
      },
    });
  });
}

describe('startAnvil', () => {
  const started: Anvil[] = [];
  const dirs: string[] = [];
  after(async () => {
    await Promise.all(started.map((a) => a.stop()));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('answers eth_chainId on 127.0.0.1 with funded dev accounts, and stop() really ends the process', async () => {
    const anvil = await startAnvil({ accounts: 3, chainId: 31_338 });
    started.push(anvil);
    assert.match(anvil.rpcUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(anvil.chainId, 31_338);
    assert.equal(anvil.accounts.length, 3);
    // the well-known first anvil account
    assert.equal(privateKeyToAccount(anvil.accounts[0]!).address, '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    const client = createVeritasPublicClient(anvil.rpcUrl, anvil.chainId);
    assert.equal(await client.getChainId(), 31_338);
    assert.equal(
      await client.getBalance({ address: privateKeyToAccount(anvil.accounts[2]!).address }),
      parseEther('10000'),
    );
    assert.ok(isAlive(anvil.pid));

    await anvil.stop();
    assert.equal(isAlive(anvil.pid), false, 'anvil process is gone after stop()');
    await anvil.stop(); // idempotent
    await assert.rejects(client.getChainId());
  });

  it('runs two chains side by side on different ports', async () => {
    const [a, b] = await Promise.all([startAnvil({ accounts: 1 }), startAnvil({ accounts: 1 })]);
    started.push(a, b);
    assert.notEqual(a.rpcUrl, b.rpcUrl);
    await Promise.all([a.stop(), b.stop()]);
    assert.equal(isAlive(a.pid) || isAlive(b.pid), false);
  });

  it('persists the chain across restarts with stateFile', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'veritas-anvil-'));
    dirs.push(dir);
    const stateFile = join(dir, 'state.json');
    const first = await startAnvil({ accounts: 2, stateFile });
    started.push(first);
    const recipient = privateKeyToAccount(first.accounts[1]!).address;
    const wallet = createVeritasWalletClient(first.rpcUrl, first.chainId, first.accounts[0]!);
    const pub = createVeritasPublicClient(first.rpcUrl, first.chainId);
    const hash = await wallet.sendTransaction({ to: recipient, value: parseEther('1') });
    await pub.waitForTransactionReceipt({ hash });
    await first.stop();

    const second = await startAnvil({ accounts: 2, stateFile });
    started.push(second);
    const pub2 = createVeritasPublicClient(second.rpcUrl, second.chainId);
    assert.equal(await pub2.getBalance({ address: recipient }), parseEther('10001'));
    await second.stop();
  });

  it('mines on a timer with blockTime', async () => {
    const anvil = await startAnvil({ accounts: 1, blockTime: 1 });
    started.push(anvil);
    await nextBlock(anvil);
    await anvil.stop();
  });

  it('mixedMining mines a transaction without waiting for the interval, which still mines (fractional) blocks', async () => {
    // an hour between interval blocks: only mixed mining can mine the transaction while this test runs
    const [interval, mixed, ticking] = await Promise.all([
      startAnvil({ accounts: 1, blockTime: 3600 }),
      startAnvil({ accounts: 1, blockTime: 3600, mixedMining: true }),
      startAnvil({ accounts: 1, blockTime: 0.2, mixedMining: true }),
    ]);
    started.push(interval, mixed, ticking);
    const send = async (a: Anvil) => {
      const pub = createVeritasPublicClient(a.rpcUrl, a.chainId, { pollingIntervalMs: 50 });
      const wallet = createVeritasWalletClient(a.rpcUrl, a.chainId, a.accounts[0]!);
      return { pub, hash: await wallet.sendTransaction({ to: wallet.account.address, value: 1n }) };
    };
    const waiting = await send(interval);
    const head = await waiting.pub.getBlockNumber();
    const mined = await send(mixed);
    // the receipt arrives (without mixed mining this wait fails after a minute: no block for an hour)
    const receipt = await mined.pub.waitForTransactionReceipt({ hash: mined.hash, timeout: 60_000 });
    assert.equal(receipt.status, 'success');
    // while the interval-only chain still has not mined its transaction, nor any block
    assert.equal(await waiting.pub.getTransactionReceipt({ hash: waiting.hash }).catch(() => undefined), undefined);
    assert.equal(await waiting.pub.getBlockNumber(), head);
    // and with no transaction at all, a 0.2 s interval moves the head
    await nextBlock(ticking);
    await assert.rejects(startAnvil({ accounts: 1, mixedMining: true }), RangeError);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`takes anvil down with its parent on ${signal}`, async () => {
      const script = `
        import { startAnvil } from ${JSON.stringify(new URL('../../core/chain/anvil.ts', import.meta.url).href)};
        const a = await startAnvil({ accounts: 1 });
        process.stdout.write(a.pid + '\\n');
        setInterval(() => {}, 1000);
      `;
      const parent = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const [chunk] = (await once(parent.stdout!, 'data')) as [Buffer];
      const pid = Number(chunk.toString().trim());
      assert.ok(isAlive(pid));
      parent.kill(signal);
      const [, exitSignal] = (await once(parent, 'exit')) as [number | null, string | null];
      assert.equal(exitSignal, signal, 'the parent still dies of the signal');
      // anvil got SIGTERM from the parent's handler; give it a bounded moment to finish exiting
      for (let i = 0; i < 200 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 25));
      assert.equal(isAlive(pid), false, 'anvil is not orphaned');
    });
  }

  it('fails with CHAIN_ERROR when the port is taken', async () => {
    const a = await startAnvil({ accounts: 1 });
    started.push(a);
    const port = Number(new URL(a.rpcUrl).port);
    await assert.rejects(startAnvil({ accounts: 1, port, startTimeoutMs: 5000 }), { code: 'CHAIN_ERROR' });
    await a.stop();
  });
});
