// Slow fault test (`npm run faults`, not CI): an operator killed in the middle of a real MPC-TLS session on a devnet.
// No request is lost: it is fulfilled by the operators left, or — when the dead operator was also the notary the
// others needed — it expires at its deadline and the consumer is refunded.
//
// 4 operators, quorum 2: the hub draws 3 provers, each with a notary among the other operators. The victim is, when
// there is one, an assigned prover that notarises none of the other provers (its death leaves two sessions intact:
// fulfilment expected); otherwise the first prover to start its session (expiry expected). Either way the test says
// beforehand which outcome the assignment implies and checks exactly that one. "Killed" is `Operator.stop()`: the
// job loop aborts, the MPC parties (child processes) are killed mid-protocol, the notary's socket closes; the job row
// is left `running`, as after a crash.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Address, Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { privateBalanceSpec, startDevnet, type Devnet } from '../../cli/devnet.ts';
import { createVeritasTestClient } from '../../core/chain/clients.ts';
import { oracleHubAbi } from '../../core/chain/contracts.ts';
import { requestStatusOf } from '../../core/verify/chain.ts';
import type { StageEvent } from '../../operator/index.ts';

const log = pino({ level: process.env.VERITAS_TEST_LOG ?? 'silent' });
let devnet: Devnet;
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'veritas-faults-'));
  devnet = await startDevnet({ dataDir, log, operators: 4, sessionTimeoutMs: 300_000 });
});
after(async () => {
  await devnet?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const hub = () => ({ address: devnet.deployment.hub, abi: oracleHubAbi }) as const;
const read = <F extends 'getRequest' | 'assignment' | 'balanceOf'>(functionName: F, args: readonly unknown[]) =>
  devnet.deployer.publicClient.readContract({ ...hub(), functionName, args } as never) as Promise<never>;

/** Resolves with the first stage event matching `match` at any operator. */
function stage(match: (e: StageEvent) => boolean): Promise<StageEvent> {
  return new Promise((resolve) => {
    const offs: (() => void)[] = [];
    for (const op of devnet.operators) {
      const on = (e: StageEvent) => {
        if (!match(e)) return;
        for (const off of offs) off();
        resolve(e);
      };
      op.events.on('stage', on);
      offs.push(() => op.events.off('stage', on));
    }
  });
}

/** Resolves once `check` holds, re-checking after each aggregator pass (progress, not time). */
async function until<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 2_000; i++) {
    const v = await check();
    if (v !== undefined) return v;
    await devnet.aggregator.tick().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100)); // a pass over nothing returns at once: pace the re-checks
  }
  throw new Error(`gave up waiting for ${what}`);
}

test('an operator killed mid-session: the request is fulfilled by the others, or expires and is refunded', async (t) => {
  const chainNow = Number((await devnet.deployer.publicClient.getBlock()).timestamp);
  const fee = 10n ** 16n;
  const res = await fetch(`${devnet.api.url}/v1/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': devnet.api.key },
    body: JSON.stringify({
      fee: fee.toString(),
      spec: privateBalanceSpec(2, chainNow + 900),
    }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { requestId } = (await res.json()) as { requestId: Hex };
  const [rawProvers, rawNotaries] = (await read('assignment', [requestId])) as unknown as [Address[], Address[]];
  const provers = rawProvers.map((a) => a.toLowerCase());
  const notaries = rawNotaries.map((a) => a.toLowerCase());
  assert.equal(provers.length, 3);

  const quiet = provers.find((p) => !notaries.some((n, i) => n === p && provers[i] !== p));
  const victim = quiet ?? (await stage((e) => e.requestId === requestId && e.stage === 'mpc-setup')).operator;
  if (quiet) await stage((e) => e.requestId === requestId && e.operator === victim && e.stage === 'mpc-setup');
  const survivors = provers.filter((p, i) => p !== victim && notaries[i] !== victim);
  const expect = survivors.length >= 2 ? 'fulfilled' : 'expired';
  const index = devnet.operators.findIndex((o) => o.address === victim);
  await devnet.operators[index]!.stop(); // killed mid-session
  t.diagnostic(`killed ${victim} mid-session; ${survivors.length} prover(s) keep a live notary: expecting ${expect}`);

  if (expect === 'fulfilled') {
    await until(
      async () =>
        requestStatusOf(((await read('getRequest', [requestId])) as { status: number }).status) === 'fulfilled'
          ? true
          : undefined,
      'fulfilment',
    );
    const logs = await devnet.deployer.publicClient.getContractEvents({
      ...hub(),
      eventName: 'RequestFulfilled',
      args: { requestId },
      fromBlock: devnet.deployment.deployBlock,
    });
    assert.equal(logs.length, 1, 'exactly one fulfilment');
    const included = (logs[0]!.args as { included: Address[] }).included.map((a) => a.toLowerCase());
    assert.ok(!included.includes(victim), 'the killed operator is not included');
    assert.ok(included.every((p) => survivors.includes(p)));
    const detail = (await (await fetch(`${devnet.api.url}/v1/requests/${requestId}`)).json()) as {
      status: string;
      records: { href: string }[];
    };
    assert.equal(detail.status, 'fulfilled');
    const record = (await (await fetch(`${devnet.api.url}${detail.records[0]!.href}`)).json()) as {
      record: { value: unknown };
    };
    assert.equal(record.record.value, 1234.56);
  } else {
    // The provers whose notary died give up (their retries find no notary); then past the deadline the aggregator
    // expires the request, which credits the fee back to the consumer.
    const doomed = provers.filter((p) => p !== victim && !survivors.includes(p));
    await Promise.all(
      doomed.map((p) => stage((e) => e.requestId === requestId && e.operator === p && e.stage === 'failed')),
    );
    const consumer = privateKeyToAccount(devnet.keys.at(-1)!).address; // the key the API sends requests with
    const before = (await read('balanceOf', [consumer])) as unknown as bigint;
    const testClient = createVeritasTestClient(devnet.rpcUrl, devnet.chainId);
    await testClient.increaseTime({ seconds: 1_000 });
    await testClient.mine({ blocks: 1 });
    await until(
      async () =>
        requestStatusOf(((await read('getRequest', [requestId])) as { status: number }).status) === 'expired'
          ? true
          : undefined,
      'expiry',
    );
    assert.equal((await read('balanceOf', [consumer])) as unknown as bigint, before + fee, 'the fee is refunded');
    const logs = await devnet.deployer.publicClient.getContractEvents({
      ...hub(),
      eventName: 'RequestFulfilled',
      args: { requestId },
      fromBlock: devnet.deployment.deployBlock,
    });
    assert.equal(logs.length, 0);
  }
});
