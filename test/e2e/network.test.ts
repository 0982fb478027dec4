// The whole network, end to end: POST /v1/requests on the devnet API → three operators fetch the fixture site under
// real MPC-TLS with randomly paired notaries → the aggregator re-verifies, takes the median, writes the Merkle root →
// RequestFulfilled on-chain. Then the consumer's side: records with proofs against the on-chain root, and the
// `veritas verify` command passing on a genuine record and failing, by name, on an edited one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Hex } from 'viem';
import { FIXTURE_HOST } from '../../cli/devnet.ts';
import { getOracleHub } from '../../core/chain/contracts.ts';
import { hashJson } from '../../core/canonical.ts';
import { verifyRecordProof } from '../../core/merkle.ts';
import { ProvedRecord } from '../../schemas/record.ts';
import { apiClient } from '../../cli/commands/client.ts';
import { hubEvent, useDevnet } from '../support/network.ts';

const run = promisify(execFile);
const net = useDevnet('e2e', { operators: 3, sessionTimeoutMs: 240_000 });

/** Follows the API's SSE stream of a request (the CLI's own client) until its `end` event: the API's view is final. */
async function apiSaysDone(requestId: Hex): Promise<{ status: string; stages: string[] }> {
  const stages: string[] = [];
  const { devnet } = net;
  const end = (await apiClient(devnet.api.url, devnet.api.key).follow(requestId, (event, data) => {
    if (event === 'stage') stages.push(String((data as { stage: string }).stage));
  })) as { status: string };
  return { status: end.status, stages };
}

test('a quorum-3 median request goes from POST /v1/requests to a verifiable record on-chain', async () => {
  const { devnet, dataDir } = net;
  const spec = {
    name: 'VRT price',
    url: `https://${FIXTURE_HOST}/v1/price`,
    extract: { jsonPath: '$.price' },
    resultSchema: { type: 'number' },
    value: { type: 'number', precision: 2 },
    aggregation: { policy: 'median' },
    maxResponseBytes: 1024,
    quorum: 3,
    deadline: Math.floor(Date.now() / 1000) + 1200,
  };
  const res = await fetch(`${devnet.api.url}/v1/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': devnet.api.key },
    body: JSON.stringify({ spec, fee: '10000000000000000' }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { requestId } = (await res.json()) as { requestId: Hex };

  const [{ args: onChain }, api] = await Promise.all([
    hubEvent(devnet, 'RequestFulfilled', requestId),
    apiSaysDone(requestId),
  ]);
  assert.equal(api.status, 'fulfilled');
  for (const stage of ['queued', 'notary-connected', 'attested', 'pinned', 'responded'])
    assert.ok(api.stages.includes(stage), `timeline has ${stage}`);
  assert.equal(onChain.included.length, 3);
  const request = await getOracleHub(devnet.deployment.hub, devnet.deployer).read.getRequest([requestId]);
  assert.equal(request.merkleRoot, onChain.merkleRoot);

  // The records the API serves carry proofs that verify against the root read from the chain, not from the API.
  const jsonl = await (await fetch(`${devnet.api.url}/v1/requests/${requestId}/records.jsonl`)).text();
  const records = jsonl
    .trim()
    .split('\n')
    .map((line) => ProvedRecord.parse(JSON.parse(line)));
  assert.equal(records.length, 1);
  const proved = records[0]!;
  assert.equal(proved.recordHash, hashJson(proved.record));
  assert.ok(
    verifyRecordProof(
      onChain.merkleRoot,
      { requestId, index: proved.record.index, valueHash: onChain.valueHash, recordHash: proved.recordHash as Hex },
      proved.proof as Hex[],
    ),
  );
  assert.equal(proved.record.sources.length, 3);
  assert.equal(new Set(proved.record.sources.map((s) => s.prover)).size, 3, 'three independent provers');
  for (const s of proved.record.sources) assert.notEqual(s.prover, s.notary, 'nobody notarised their own fetch');
  const values = proved.record.sources.map((s) => s.value as number).sort((a, b) => a - b);
  assert.equal(proved.record.value, values[1], 'the record value is the median of the sources');
  assert.equal(proved.record.trust, 'devnet');

  // `veritas verify` trusts only the RPC and IPFS (through a CID-checking gateway).
  const env = {
    ...process.env,
    VERITAS_RPC_URL: devnet.rpcUrl,
    VERITAS_HUB_ADDRESS: devnet.deployment.hub,
    VERITAS_ACCEPT_DEVNET_PROOFS: 'true',
    VERITAS_LOG_LEVEL: 'silent',
  };
  const cli = path.join(import.meta.dirname, '../../cli/veritas.ts');
  const gateway = ['--ipfs-gateway', `${devnet.api.url}/v1/bundles`];
  const genuine = path.join(dataDir, 'record.json');
  await writeFile(genuine, JSON.stringify(proved));
  const ok = await run(process.execPath, [cli, 'verify', genuine, ...gateway], { env });
  assert.match(ok.stdout, /record-hash/);

  const edited = path.join(dataDir, 'edited.json');
  await writeFile(
    edited,
    JSON.stringify({ ...proved, record: { ...proved.record, value: (proved.record.value as number) + 1 } }),
  );
  const bad = await run(process.execPath, [cli, 'verify', edited, ...gateway], { env }).then(
    () => assert.fail('verify must fail on an edited record'),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  assert.equal(bad.code, 5); // exit 5: verification failed (cli/exit.ts)
  assert.match(`${bad.stdout}${bad.stderr}`, /record-hash/);
});
