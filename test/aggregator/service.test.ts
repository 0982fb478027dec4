// The aggregator service end to end on anvil + PGlite (or DATABASE_URL) + Helia: verify, aggregate, pin, fulfil;
// records provable against the on-chain root in TypeScript and by the Solidity MerkleVerifier; no agreement → expiry;
// SIGKILL between verification and fulfilment → exactly one RequestFulfilled after restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Hex } from 'viem';
import {
  deployAndWait,
  getOperatorRegistry,
  merkleVerifierAbi,
  operatorRegistryAbi,
  oracleHubAbi,
  sendContractCall,
} from '../../core/chain/contracts.ts';
import { merkleVerifierBytecode } from '../../oracle-contracts/generated/artifacts.ts';
import type { DatabaseHandle } from '../../core/db/client.ts';
import { testDatabase } from '../support/database.ts';
import { aggregatorOptions, useCleanups, worldDatabase } from '../support/aggregator.ts';
import { records as recordsTable, requestEvents, requests, responses } from '../../core/db/schema.ts';
import { createIpfs } from '../../core/ipfs.ts';
import { rootLogger } from '../../core/log.ts';
import { verifyRecordProof } from '../../core/merkle.ts';
import { hashJson } from '../../core/canonical.ts';
import { verifyRecord } from '../../core/verify/record.ts';
import { startAggregator, type Aggregator } from '../../aggregator/service.ts';
import { DatasetRecord } from '../../schemas/record.ts';
import { baseSpec, makeBundle, placeRequest, respond, startWorld, type World } from '../verify/world.ts';

const log = rootLogger().child({ test: 'aggregator' });
log.level = 'warn';
const cleanups = useCleanups();

async function setup(): Promise<{ world: World; db: DatabaseHandle }> {
  const world = await startWorld({ operators: 3 });
  cleanups.push(() => world.close());
  return { world, db: await worldDatabase(world, 'agg', log, cleanups) };
}

const start = (world: World, db: DatabaseHandle, ipfs = world.ipfs): Aggregator => {
  // passes are driven by tick() below
  const agg = startAggregator(aggregatorOptions(world, db, log, { ipfs }));
  cleanups.push(() => agg.stop());
  return agg;
};

// a tick that certainly starts after everything above it happened (tick() joins an in-flight pass)
const settle = async (agg: Aggregator) => {
  await agg.tick();
  await agg.tick();
};

const fulfilledLogs = async (world: World, requestId: Hex) =>
  world.publicClient.getContractEvents({
    address: world.deployment.hub,
    abi: oracleHubAbi,
    eventName: 'RequestFulfilled',
    args: { requestId },
    fromBlock: world.deployment.deployBlock,
  });

test('array records: verified, aggregated, fulfilled; every record proof checks in TS, in Solidity and by verifyRecord', async () => {
  const { world, db } = await setup();
  const req = await placeRequest(
    world,
    baseSpec({
      quorum: 2,
      extract: { jsonPath: '$.prices' },
      records: 'array',
      value: { type: 'number', precision: 2 },
      aggregation: { policy: 'median', madK: 3 },
    }),
  );
  // quorum 2 draws 3 provers (the hub over-samples); the third agrees with the second.
  const bodies = [
    JSON.stringify({ prices: [1.001, 2.5, 3.25, 4] }),
    JSON.stringify({ prices: [1.0, 2.5, 3.26, 4] }),
    JSON.stringify({ prices: [1.0, 2.5, 3.26, 4] }),
  ];
  for (const [i, prover] of req.provers.entries())
    await respond(world, await makeBundle(world, req, prover, { body: bodies[i]! }));
  const agg = start(world, db);
  await settle(agg);

  const logs = await fulfilledLogs(world, req.requestId);
  assert.equal(logs.length, 1);
  const root = logs[0]!.args.merkleRoot!;
  const [row] = await db.db.select().from(requests).where(eq(requests.id, req.requestId));
  assert.equal(row!.status, 'fulfilled');
  const recs = await db.db.select().from(recordsTable).where(eq(recordsTable.requestId, req.requestId));
  assert.equal(recs.length, 4);
  const verifier = await deployAndWait(
    { walletClient: world.aggregatorWallet, publicClient: world.publicClient },
    { abi: merkleVerifierAbi, bytecode: merkleVerifierBytecode },
  );
  for (const r of recs) {
    const record = DatasetRecord.parse(r.provenance);
    const recordHash = hashJson(record);
    const valueHash = logs[0]!.args.valueHash!;
    assert.ok(
      verifyRecordProof(
        root,
        { requestId: req.requestId, index: record.index, valueHash, recordHash },
        r.proof as Hex[],
      ),
    );
    const onchain = await world.publicClient.readContract({
      address: verifier.address,
      abi: merkleVerifierAbi,
      functionName: 'verify',
      args: [r.proof as Hex[], root, r.leafHash as Hex],
    });
    assert.equal(onchain, true, `record ${record.index} verifies on-chain`);
    const v = await verifyRecord(
      { record, recordHash, merkleRoot: root, proof: r.proof as Hex[] },
      {
        publicClient: world.publicClient,
        hub: world.deployment.hub,
        getJson: (cid) => world.ipfs.getJson(cid),
        acceptDevnetProofs: false,
      },
    );
    assert.equal(v.ok, true, JSON.stringify(v.failed));
    const edited = await verifyRecord(
      { record: { ...record, value: 42 }, recordHash, merkleRoot: root, proof: r.proof as Hex[] },
      {
        publicClient: world.publicClient,
        hub: world.deployment.hub,
        getJson: (cid) => world.ipfs.getJson(cid),
        acceptDevnetProofs: false,
      },
    );
    assert.equal(edited.failed?.name, 'record-hash');
  }
  assert.deepEqual(
    recs.sort((a, b) => a.index - b.index).map((r) => r.value),
    [1, 2.5, 3.26, 4],
  );
  await settle(agg); // a further pass changes nothing
  assert.equal((await fulfilledLogs(world, req.requestId)).length, 1);
});

test('an invalid bundle is recorded with its reason and excluded; a mode without agreement waits, then expires', async () => {
  const { world, db } = await setup();
  const req = await placeRequest(
    world,
    baseSpec({
      quorum: 2,
      extract: { jsonPath: '$.label' },
      value: { type: 'string' },
      aggregation: { policy: 'mode', minAgreement: 2 },
      resultSchema: {},
    }),
  );
  // prover 0 honest; prover 1 pins a devnet bundle (refused by production policy)
  await respond(world, await makeBundle(world, req, req.provers[0]!, { body: JSON.stringify({ label: 'cat' }) }));
  await respond(
    world,
    await makeBundle(world, req, req.provers[1]!, { body: JSON.stringify({ label: 'cat' }), trust: 'devnet' }),
  );
  // quorum 2 draws 3 provers (the hub over-samples); the spare disagrees, so no value reaches 2 valid votes
  assert.equal(req.provers.length, 3);
  await respond(world, await makeBundle(world, req, req.provers[2]!, { body: JSON.stringify({ label: 'dog' }) }));
  const agg = start(world, db);
  await settle(agg);
  const rs = await db.db.select().from(responses).where(eq(responses.requestId, req.requestId));
  const bad = rs.find((r) => r.prover === req.provers[1]);
  assert.equal(bad?.verification, 'invalid');
  assert.equal(bad?.invalidCode, 'TRUST_MODE_REFUSED');
  assert.equal((await fulfilledLogs(world, req.requestId)).length, 0);
  const stages = (await db.db.select().from(requestEvents).where(eq(requestEvents.requestId, req.requestId))).map(
    (e) => e.stage,
  );
  assert.ok(stages.includes('response_invalid'));
  assert.ok(stages.includes('unfulfilled'));
  // past the deadline the aggregator expires it (refunding the consumer)
  await world.testClient.increaseTime({ seconds: 7200 });
  await world.testClient.mine({ blocks: 1 });
  await settle(agg);
  const expired = await world.publicClient.getContractEvents({
    address: world.deployment.hub,
    abi: oracleHubAbi,
    eventName: 'RequestExpired',
    args: { requestId: req.requestId },
    fromBlock: world.deployment.deployBlock,
  });
  assert.equal(expired.length, 1);
  assert.equal((await fulfilledLogs(world, req.requestId)).length, 0);
});

test('SIGKILL between verification and fulfilment: after restart exactly one RequestFulfilled', async () => {
  const world = await startWorld({ operators: 3 });
  cleanups.push(() => world.close());
  const req = await placeRequest(
    world,
    baseSpec({ quorum: 2, aggregation: { policy: 'exact' }, value: { type: 'json' } }),
  );
  for (const prover of req.provers)
    await respond(world, await makeBundle(world, req, prover, { body: JSON.stringify({ price: 7 }) }));
  // hand the IPFS directory to the child process (one Helia per directory)
  await world.ipfs.stop();
  const ipfsDir = join(world.dir, 'ipfs');
  const dataDir = join(world.dir, 'agg');
  const target = await testDatabase({ dataDir, log });
  cleanups.push(() => target.drop());
  const env = {
    rpcUrl: world.anvil.rpcUrl,
    chainId: world.anvil.chainId,
    hub: world.deployment.hub,
    key: world.aggregatorKey,
    dataDir,
    ipfsDir,
    fromBlock: String(world.deployment.deployBlock),
    databaseUrl: target.url,
  };
  const child = spawn(process.execPath, [join(import.meta.dirname, 'crash-child.ts'), JSON.stringify(env)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanups.push(async () => void child.kill('SIGKILL'));
  const atHook = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on(
      'line',
      (line) => line.startsWith('AT_HOOK ') && resolve(line.slice(8)),
    );
    void exited.then(() => reject(new Error('the child exited before reaching the hook')));
  });
  assert.equal(atHook, req.requestId);
  child.kill('SIGKILL');
  await exited;
  assert.equal((await fulfilledLogs(world, req.requestId)).length, 0, 'killed before fulfilling');

  // restart in this process on the same database and IPFS directories
  const db = await target.open();
  cleanups.push(() => db.close());
  const ipfs = await createIpfs({ dir: ipfsDir, network: 'none', log });
  cleanups.push(() => ipfs.stop());
  const agg = start(world, db, ipfs);
  await settle(agg);
  await settle(agg);
  assert.equal((await fulfilledLogs(world, req.requestId)).length, 1);
  const [row] = await db.db.select().from(requests).where(eq(requests.id, req.requestId));
  assert.equal(row!.status, 'fulfilled');
});

test('hub v2 history: a record still verifies after its prover and notary unbonded and withdrew their bonds', async () => {
  const { world, db } = await setup();
  const req = await placeRequest(world, baseSpec({ quorum: 1, aggregation: { policy: 'exact' } }));
  await respond(world, await makeBundle(world, req, req.provers[0]!, { body: JSON.stringify({ price: 100 }) }));
  const agg = start(world, db);
  await settle(agg);
  const [fulfilled] = await fulfilledLogs(world, req.requestId);
  assert.ok(fulfilled, 'fulfilled');
  const [recordRow] = await db.db.select().from(recordsTable).where(eq(recordsTable.requestId, req.requestId));
  const record = DatasetRecord.parse(recordRow!.provenance);

  // both leave: unbond, wait out the delay (their assignment closed at fulfil), withdraw
  const registry = getOperatorRegistry(world.deployment.registry, { publicClient: world.publicClient });
  for (const who of [req.provers[0]!, req.notaries[0]!]) {
    const wallet = world.operator(who).wallet;
    await sendContractCall(
      { walletClient: wallet, publicClient: world.publicClient },
      {
        address: world.deployment.registry,
        abi: operatorRegistryAbi,
        functionName: 'requestUnbond',
      },
    );
  }
  await world.testClient.increaseTime({ seconds: 86_401 });
  await world.testClient.mine({ blocks: 1 });
  for (const who of [req.provers[0]!, req.notaries[0]!]) {
    await sendContractCall(
      { walletClient: world.operator(who).wallet, publicClient: world.publicClient },
      {
        address: world.deployment.registry,
        abi: operatorRegistryAbi,
        functionName: 'withdrawBond',
      },
    );
    assert.equal((await registry.read.operatorInfo([who])).status, 0, `${who} has left the registry`);
  }
  const v = await verifyRecord(
    { record, recordHash: hashJson(record), merkleRoot: fulfilled.args.merkleRoot!, proof: recordRow!.proof as Hex[] },
    {
      publicClient: world.publicClient,
      hub: world.deployment.hub,
      getJson: (cid) => world.ipfs.getJson(cid),
      acceptDevnetProofs: false,
    },
  );
  assert.equal(v.ok, true, JSON.stringify(v.failed));
});
