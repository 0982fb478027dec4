// A feed end to end on the devnet with real MPC-TLS: `veritas feed create` a three-round feed of the fixture price
// and `veritas dataset create` a dataset of it; `veritas keeper` pokes rounds 0 and 1; then, with the keeper stopped,
// another account pokes round 2. Once all three are fulfilled a keeper pass appends them: versions 1–3 are on-chain,
// and `veritas dataset verify` passes on version 3 and fails, naming the check, on a snapshot with one edited row.
//
// Rounds are made due with anvil's evm_increaseTime rather than by waiting, and only as far as the next round: a
// session's TLS time must lie within 120 s of its request's on-chain creation time, so the chain may not run more
// than that ahead of the wall clock the fixture's TLS sessions happen in (two 30 s steps: ≤ 60 s). The feed ends
// after round 2 (`--end`), so no further round becomes due by the wall clock while the sessions run, whoever polls.
// Sizing (quorum 1, two operators, at most two sessions at once): datasets-devnet.ts.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Hex } from 'viem';
import { datasetRegistryAbi, readDataset } from '../../core/dataset/chain.ts';
import { type DatasetDevnet, feedPoked, priceSpec, requestFulfilled, startDatasetDevnet } from './datasets-devnet.ts';

const INTERVAL = 30;
let d: DatasetDevnet;
let keeper: ChildProcess | undefined;

before(async () => {
  d = await startDatasetDevnet();
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
  const templateFile = path.join(d.dir, 'template.json');
  await writeFile(templateFile, JSON.stringify(priceSpec('VRT price feed')));
  const first = Number((await d.devnet.deployer.publicClient.getBlock()).timestamp);
  // the feed's escrow and options as the README's "Datasets" section writes them
  const feedId = BigInt(
    await d.veritas(
      owner,
      ...['feed', 'create', '--spec', templateFile, '--interval', String(INTERVAL)],
      ...['--first', String(first), '--end', String(first + 3 * INTERVAL)],
      ...['--fee', String(10n ** 15n), '--escrow', String(10n ** 17n), '--window', '900'],
      ...['--api', d.api.url, '--api-key', d.devnet.api.key],
    ),
  );
  const datasetId = await d.createDataset(owner, {
    metadata: { name: 'VRT price, every 30 s', description: 'The fixture price.', creator: { name: 'QA' } },
    sources: [{ feed: String(feedId) }],
    api: d.api.url,
  });

  // rounds 0 and 1: the keeper pokes them (round 1 as soon as the chain's clock reaches it)
  keeper = spawn(process.execPath, ['cli/veritas.ts', 'keeper', '--every', '1'], { env: d.env(keeperKey) });
  const keeperOut: string[] = [];
  keeper.stdout!.on('data', (b: Buffer) => keeperOut.push(b.toString()));
  const round0 = await feedPoked(d, feedId, 0);
  await makeDue(feedId);
  const round1 = await feedPoked(d, feedId, 1);
  keeper.kill('SIGTERM');
  await once(keeper, 'exit');
  keeper = undefined;
  assert.match(keeperOut.join(''), /poked feed \d+ round 0[\s\S]*poked feed \d+ round 1/);

  // round 2: the keeper is stopped; another account pokes it
  await makeDue(feedId);
  const poked = JSON.parse(await d.veritas(other, 'feed', 'poke', String(feedId))) as { requestId: Hex; round: number };
  assert.equal(poked.round, 2);
  const rounds = [round0.requestId, round1.requestId, poked.requestId].map((id) => id.toLowerCase());
  await Promise.all(rounds.map((id) => requestFulfilled(d, id as Hex)));

  // one keeper pass (the feed has ended: nothing to poke) appends the three rounds in order: versions 1–3
  const appended = await d.veritas(keeperKey, 'keeper', '--once');
  assert.match(appended, /dataset \d+ version 1[\s\S]*version 2[\s\S]*version 3/);
  const onChain = await readDataset(d.devnet.deployer.publicClient, d.registry, datasetId);
  assert.equal(onChain?.version, 3);
  await d.api.syncDatasets!(); // the API serves what its registry indexer saw: all three versions now
  const versions = (await d.veritas(other, 'dataset', 'versions', String(datasetId)))
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    versions.map((v) => v.version),
    [1, 2, 3],
  );
  assert.deepEqual(
    versions.map((v) => v.requestId),
    rounds,
  );

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
