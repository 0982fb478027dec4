// Slow fault test (`npm run faults`, not CI): a Byzantine operator on a devnet with real MPC-TLS sessions publishes a
// forged bundle; the aggregator rejects it and records why, and the honest result is still fulfilled.
//
// The Byzantine operator is a test-only variant of the real one: the same `startOperator` code (an honest notary for
// others, a real prover with a real session and a genuine attestation), except that its IPFS node forges every
// provenance bundle it is asked to pin — the value is changed to 9999.99 and the bundle re-signed with the operator's
// key — before the operator responds on-chain with the attestation it genuinely got (the only one the hub accepts).
// This is why a variant is needed at all: nothing in the shipped operator can be told to lie. The quick suite
// (network.test.ts) covers forged transcripts and an equivocating notary without sessions.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import type { Address, Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { fixtureSecrets, privateBalanceSpec, startDevnet, type Devnet } from '../../cli/devnet.ts';
import { signBundle } from '../../core/bundle.ts';
import { connectChain } from '../../core/chain/clients.ts';
import { oracleHubAbi } from '../../core/chain/contracts.ts';
import { responses } from '../../core/db/schema.ts';
import type { IpfsNode } from '../../core/ipfs.ts';
import { startOperator, type StageEvent } from '../../operator/index.ts';
import { startAggregator, type Aggregator } from '../../aggregator/service.ts';
import { secretStoreFrom } from '../../operator/secrets.ts';
import type { ProvenanceBundle } from '../../schemas/bundle.ts';

const log = pino({ level: process.env.VERITAS_TEST_LOG ?? 'silent' });
let devnet: Devnet;
let dataDir: string;
let byzantine: Address;
let aggregator: Aggregator | undefined;

/** Resolves when `prover` has answered `requestId` on-chain (or throws when it gave up). */
function responded(requestId: Hex, prover: Address): Promise<void> {
  return new Promise((resolve, reject) => {
    const offs: (() => void)[] = [];
    for (const op of devnet.operators) {
      const on = (e: StageEvent) => {
        if (e.requestId !== requestId || e.operator !== prover || (e.stage !== 'responded' && e.stage !== 'failed'))
          return;
        for (const off of offs) off();
        if (e.stage === 'responded') resolve();
        else reject(new Error(`prover ${prover} failed: ${JSON.stringify(e.detail)}`));
      };
      op.events.on('stage', on);
      offs.push(() => op.events.off('stage', on));
    }
  });
}

/** An IPFS node that pins forged bundles (value changed, prover signature redone) and everything else as is. */
function forging(node: IpfsNode, key: Hex): IpfsNode {
  const account = privateKeyToAccount(key);
  return {
    ...node,
    peerId: node.peerId,
    multiaddrs: node.multiaddrs,
    async addJson(value, options) {
      const v = value as Partial<ProvenanceBundle>;
      if (v && typeof v === 'object' && 'proverSignature' in v && 'attestation' in v) {
        const { proverSignature: _, ...unsigned } = v as ProvenanceBundle;
        return node.addJson(await signBundle(account, { ...unsigned, value: 9999.99 }), options);
      }
      return node.addJson(value, options);
    },
  };
}

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'veritas-faults-byz-'));
  // 3 operators, quorum 2: the hub draws all three as provers, so the Byzantine one always takes part
  devnet = await startDevnet({ dataDir, log, operators: 3, sessionTimeoutMs: 300_000 });
  // operator 1 (keys[1]) is replaced by its Byzantine twin: same key, data, notary port and registration
  const key = devnet.keys[1]!;
  const honest = devnet.operators[0]!;
  const notaryPort = Number(new URL(honest.notaryUrl).port);
  await honest.stop();
  const chain = await connectChain(devnet.rpcUrl, key, { chainId: devnet.chainId });
  devnet.operators[0] = await startOperator({
    account: privateKeyToAccount(key),
    chain: { ...chain, chainId: devnet.chainId, hub: devnet.deployment.hub, registry: devnet.deployment.registry },
    db: devnet.database.db,
    ipfs: forging(honest.ipfs, key),
    dataDir: path.join(devnet.dataDir, 'operators', '1'),
    trust: 'devnet',
    wasmPath: devnet.trust.wasmPath,
    notary: { host: '127.0.0.1', port: notaryPort },
    ssrf: devnet.ssrf,
    secrets: secretStoreFrom(fixtureSecrets(`Bearer ${devnet.fixtureToken}`)),
    sessionTimeoutMs: 300_000,
    jobs: { fromBlock: devnet.deployment.deployBlock, pollIntervalMs: 500 },
    log,
  });
  byzantine = devnet.operators[0].address;
  await devnet.aggregator.stop();
});
after(async () => {
  await aggregator?.stop();
  await devnet?.stop(); // stops whichever operator instances are in devnet.operators, the Byzantine one included
  await rm(dataDir, { recursive: true, force: true });
});

test('a Byzantine operator pins a forged bundle: rejected with the failed check recorded, the honest result fulfilled', async () => {
  const chainNow = Number((await devnet.deployer.publicClient.getBlock()).timestamp);
  const res = await fetch(`${devnet.api.url}/v1/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': devnet.api.key },
    body: JSON.stringify({
      spec: privateBalanceSpec(2, chainNow + 900),
    }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { requestId } = (await res.json()) as { requestId: Hex };
  const hub = { address: devnet.deployment.hub, abi: oracleHubAbi } as const;
  const [provers] = await devnet.deployer.publicClient.readContract({
    ...hub,
    functionName: 'assignment',
    args: [requestId],
  });
  assert.ok(provers.some((p) => p.toLowerCase() === byzantine));

  // The aggregator fulfils as soon as two valid answers agree, and a request once fulfilled takes no more answers: so
  // it waits (stopped) until all three provers have answered, then a fresh one judges them all.
  await Promise.all(provers.map((p) => responded(requestId, p.toLowerCase() as Address)));
  aggregator = startAggregator({
    db: devnet.database.db,
    ipfs: devnet.ipfs,
    publicClient: devnet.deployer.publicClient,
    walletClient: devnet.deployer.walletClient,
    hub: devnet.deployment.hub,
    fromBlock: devnet.deployment.deployBlock,
    policy: { acceptDevnetProofs: true },
    log,
    pollIntervalMs: 250,
  });
  const judged = async () =>
    (await devnet.database.db.select().from(responses).where(eq(responses.requestId, requestId))).find(
      (r) => r.prover === byzantine,
    );
  for (let i = 0; ; i++) {
    const status = (
      await devnet.deployer.publicClient.readContract({ ...hub, functionName: 'getRequest', args: [requestId] })
    ).status;
    const row = await judged();
    if (status === 2 && row && row.verification !== 'pending') break;
    if (status === 3 || i > 5_000) assert.fail(`request ended ${status}; the forger's response ${JSON.stringify(row)}`);
    await aggregator!.tick().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100)); // a pass over nothing returns at once: pace the re-checks
  }
  const logs = await devnet.deployer.publicClient.getContractEvents({
    ...hub,
    eventName: 'RequestFulfilled',
    args: { requestId },
    fromBlock: devnet.deployment.deployBlock,
  });
  assert.equal(logs.length, 1);
  const included = (logs[0]!.args as { included: Address[] }).included.map((a) => a.toLowerCase());
  assert.ok(!included.includes(byzantine), 'the forger is not included');
  const row = (await judged())!;
  assert.equal(row.verification, 'invalid');
  assert.match(row.invalidMessage ?? '', /extraction/, `names the failed check: ${row.invalidMessage}`);
  const forged = await devnet.ipfs.getJson<ProvenanceBundle>(row.bundleCid, { timeoutMs: 30_000 });
  assert.equal(forged.value, 9999.99, 'the pinned bundle is the forgery');
  const detail = (await (await fetch(`${devnet.api.url}/v1/requests/${requestId}`)).json()) as {
    records: { href: string }[];
    operators: { prover: string; state: string }[];
  };
  assert.equal(detail.operators.find((o) => o.prover === byzantine)?.state, 'invalid');
  const record = (await (await fetch(`${devnet.api.url}${detail.records[0]!.href}`)).json()) as {
    record: { value: unknown };
  };
  assert.equal(record.record.value, 1234.56, 'the honest value');
});
