// A feed end to end on the devnet with real MPC-TLS: `veritas feed create` a feed of the fixture price with a short
// interval and `veritas dataset create` a dataset of it; `veritas keeper` pokes rounds 0 and 1 and appends them; then,
// with the keeper stopped, another account pokes round 2 and appends it. Versions 1–3 are on-chain, and
// `veritas dataset verify` passes on version 3 and fails, naming the check, on a snapshot with one edited row.
//
// Rounds are made due with anvil's evm_increaseTime rather than by waiting. Only as far as the next round: the TLS
// time of a session must lie within ±120 s of the on-chain request window, so the chain may not run far ahead of the
// wall clock the fixture site's TLS sessions happen in. Quorum 1 and two operators: one prover and one notary per
// round, so three rounds cost three MPC sessions on this 2-core machine.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Hex } from 'viem';
import { FIXTURE_HOST } from '../../cli/devnet.ts';
import { datasetRegistryAbi, readDataset } from '../../core/dataset/chain.ts';
import { type DatasetDevnet, datasetVersion, requestFulfilled, startDatasetDevnet } from './datasets-devnet.ts';

const INTERVAL = 45;
let d: DatasetDevnet;
let keeper: ChildProcess | undefined;

before(async () => {
  d = await startDatasetDevnet({ operators: 2 });
});
after(async () => {
  keeper?.kill('SIGTERM');
  await d?.stop();
});

/** Moves the chain's clock to the feed's next round (never further), so it is due now. */
async function makeDue(feedId: bigint): Promise<void> {
  const client = d.devnet.deployer.publicClient;
  const f = await client.readContract({
    address: d.registry,
    abi: datasetRegistryAbi,
    functionName: 'getFeed',
    args: [feedId],
  });
  const dueAt = f.firstRound + f.nextRound * f.interval;
  const now = (await client.getBlock()).timestamp;
  if (dueAt > now) await d.testClient.increaseTime({ seconds: Number(dueAt - now) });
  await d.testClient.mine({ blocks: 1 });
}

test('a feed runs three rounds (keeper, then another account) into versions 1–3 that verify', async () => {
  const owner = await d.fundedKey();
  const keeperKey = await d.fundedKey();
  const other = await d.fundedKey();
  const template = {
    name: 'VRT price feed',
    url: `https://${FIXTURE_HOST}/v1/price`,
    extract: { jsonPath: '$.price' },
    resultSchema: { type: 'number' },
    value: { type: 'number', precision: 2 },
    aggregation: { policy: 'median', band: 0.01 },
    // quorum 1: one prover per round (see the file comment); the round still goes through assignment and the hub
    quorum: 1,
  };
  const templateFile = path.join(d.dir, 'template.json');
  await writeFile(templateFile, JSON.stringify(template));
  const feedId = BigInt(
    await d.veritas(
      owner,
      'feed',
      'create',
      '--spec',
      templateFile,
      '--interval',
      String(INTERVAL),
      '--fee',
      String(10n ** 15n),
      '--escrow',
      String(10n ** 17n),
      '--window',
      '900',
      '--api',
      d.api.url,
      '--api-key',
      d.devnet.api.key,
    ),
  );
  const metadata = { name: 'VRT price, every 45 s', description: 'The fixture price.', creator: { name: 'QA' } };
  await writeFile(path.join(d.dir, 'meta.json'), JSON.stringify(metadata));
  await writeFile(path.join(d.dir, 'sources.jsonl'), `${JSON.stringify({ feed: String(feedId) })}\n`);
  const datasetId = BigInt(
    await d.veritas(
      owner,
      'dataset',
      'create',
      '--metadata',
      path.join(d.dir, 'meta.json'),
      '--sources',
      path.join(d.dir, 'sources.jsonl'),
      '--api',
      d.api.url,
      '--api-key',
      d.devnet.api.key,
    ),
  );

  // rounds 0 and 1: the keeper pokes them and appends each once fulfilled
  keeper = spawn(process.execPath, ['cli/veritas.ts', 'keeper', '--every', '1'], { env: d.env(keeperKey) });
  const keeperOut: string[] = [];
  keeper.stdout!.on('data', (b: Buffer) => keeperOut.push(b.toString()));
  await datasetVersion(d, datasetId, 1);
  await makeDue(feedId);
  await datasetVersion(d, datasetId, 2);
  keeper.kill('SIGTERM');
  await once(keeper, 'exit');
  keeper = undefined;
  assert.match(
    keeperOut.join(''),
    /poked feed 1 round 0[\s\S]*dataset 1 version 1[\s\S]*poked feed 1 round \d+[\s\S]*version 2/,
  );

  // round 2: the keeper is stopped; another account pokes it and appends it
  await makeDue(feedId);
  const poked = JSON.parse(await d.veritas(other, 'feed', 'poke', String(feedId))) as { requestId: Hex; round: number };
  await requestFulfilled(d, poked.requestId);
  const appended = JSON.parse(await d.veritas(other, 'dataset', 'append', String(datasetId), poked.requestId));
  assert.equal(appended.version, 3);
  const onChain = await readDataset(d.devnet.deployer.publicClient, d.registry, datasetId);
  assert.equal(onChain?.version, 3);
  const versions = (await d.veritas(other, 'dataset', 'versions', String(datasetId)))
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    versions.map((v) => v.version),
    [1, 2, 3],
  );
  assert.equal(versions[2].requestId, poked.requestId.toLowerCase());

  // export version 3 from the API and verify it trusting only the RPC and IPFS (CIDs re-hashed)
  const out = path.join(d.dir, 'snapshot');
  await d.veritas(other, 'dataset', 'export', String(datasetId), '--version', '3', '--out', out, '--api', d.api.url);
  const verify = (dir: string) =>
    d.veritas(
      other,
      'dataset',
      'verify',
      String(datasetId),
      '--version',
      '3',
      '--dir',
      dir,
      '--ipfs-gateway',
      `${d.api.url}/v1/bundles`,
    );
  assert.match(await verify(out), /verified dataset 1 version 3/);

  const jsonl = path.join(out, 'data', 'records.jsonl');
  const rows = (await readFile(jsonl, 'utf8')).split('\n');
  assert.equal(rows.filter((r) => r !== '').length, 3);
  const row = JSON.parse(rows[1]!) as Record<string, unknown>;
  rows[1] = JSON.stringify({ ...row, value: (row.value as number) + 1 });
  await writeFile(jsonl, rows.join('\n'));
  await assert.rejects(verify(out), (e: { stderr: string; stdout: string }) => {
    assert.match(e.stderr, /verification FAILED: file:data\/records\.jsonl/);
    assert.match(e.stdout, /✗ file:data\/records\.jsonl: .*line 2/);
    return true;
  });

  // the curator's page of the dataset shows the three rounds and the chart
  const page = await (await fetch(`${d.api.url}/datasets/${datasetId}`)).text();
  assert.equal(page.match(/<li class="done" data-request=/g)?.length, 3);
  assert.match(page, /<svg class="chart"/);
});
