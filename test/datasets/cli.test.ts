// The `veritas feed`, `veritas keeper` and `veritas dataset` commands as a user runs them, against a real anvil
// with OracleHub and DatasetRegistry: create a feed, poke it, pause it (a poke then fails naming the revert), create a
// dataset from a sources file, append a round, list versions.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Address, parseEther } from 'viem';
import { oracleHubAbi } from '../../core/chain/contracts.ts';
import { type Chain, makeRequest, respondAll, resultHashOf, send, type Veritas } from '../contracts/fixture.ts';
import { datasetChain } from './fixture.ts';

const run = promisify(execFile);
let chain: Chain;
let v: Veritas;
let registry: Address;
let dir: string;
let env: NodeJS.ProcessEnv;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veritas-ds-cli-'));
  ({ chain, v, registry } = await datasetChain(12));
  env = {
    ...process.env,
    VERITAS_RPC_URL: chain.anvil.rpcUrl,
    VERITAS_HUB_ADDRESS: v.hub,
    VERITAS_DATASET_REGISTRY_ADDRESS: registry,
    VERITAS_PRIVATE_KEY: chain.anvil.accounts[2]!, // the fixture's consumer
    VERITAS_LOG_LEVEL: 'silent',
  };
});
after(async () => {
  await chain?.anvil.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const veritas = (...args: string[]) =>
  run(process.execPath, ['cli/veritas.ts', ...args], { env, encoding: 'utf8' }).then((r) => r.stdout.trim());

describe('veritas feed / keeper / dataset', () => {
  let feedId: string;
  it('feed create and poke: round 0 opens through the hub', async () => {
    const template = join(dir, 'template.json');
    await writeFile(
      template,
      JSON.stringify({ url: 'https://prices.fixture.test/v1/price', extract: { jsonPath: '$.price' }, quorum: 2 }),
    );
    feedId = await veritas(
      'feed',
      'create',
      '--spec',
      template,
      '--interval',
      '600',
      '--fee',
      '1000',
      '--escrow',
      String(parseEther('1')),
    );
    assert.equal(feedId, '1');
    const poked = JSON.parse(await veritas('feed', 'poke', feedId));
    assert.equal(poked.round, 0);
    assert.match(poked.requestId, /^0x[0-9a-f]{64}$/);
    // nothing due until the next round: the keeper's pass opens nothing
    assert.equal(await veritas('keeper', '--once'), '');
  });

  it('a paused feed refuses a poke, and the error names the revert', async () => {
    await veritas('feed', 'pause', feedId);
    await chain.testClient.increaseTime({ seconds: 600 });
    await chain.testClient.mine({ blocks: 1 });
    await assert.rejects(veritas('feed', 'poke', feedId), (e: { stderr: string }) => /FeedInactive/.test(e.stderr));
    await veritas('feed', 'resume', feedId);
    assert.match(await veritas('keeper', '--once'), /poked feed 1 round 1/);
    await veritas('feed', 'top-up', feedId, '--amount', '5000');
  });

  it('dataset create from a sources file, append, versions', async () => {
    const r = await makeRequest(v, { quorum: 2, spec: 'cli-one-shot', ttl: 3600 });
    await respondAll(v, r);
    await send(chain, v.aggregator, {
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'fulfill',
      args: [r.requestId, `0x${'ab'.repeat(32)}`, 'bafyreport', r.provers.slice(0, 2), resultHashOf('result'), 1],
    });
    const sources = join(dir, 'sources.jsonl');
    await writeFile(sources, `${JSON.stringify({ feed: feedId })}\n${JSON.stringify({ request: r.requestId })}\n`);
    const metadata = join(dir, 'meta.json');
    await writeFile(metadata, JSON.stringify({ name: 'cli dataset', creator: { name: 'me' } }));
    const id = await veritas('dataset', 'create', '--metadata', metadata, '--sources', sources, '--no-pin');
    assert.equal(id, '1');
    const appended = JSON.parse(await veritas('dataset', 'append', id, r.requestId));
    assert.equal(appended.version, 1);
    const versions = (await veritas('dataset', 'versions', id)).split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(
      versions.map((x) => [x.version, x.requestId]),
      [[1, r.requestId.toLowerCase()]],
    );
  });
});
