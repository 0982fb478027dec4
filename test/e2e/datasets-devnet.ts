// Set-up shared by the real-MPC dataset tests: the devnet (startDevnet) sized for this 2-core machine, a
// DatasetRegistry of the test's own on its chain, an API that serves /v1/datasets for it, funded fresh accounts, the
// `veritas` CLI run as a process, the fixture price as a spec, and on-chain waits (events, never sleeps).
//
// The devnet deploys its own DatasetRegistry and runs a keeper on it; these tests deploy a second registry with the
// same helper, so that keeper never pokes or appends their feeds and datasets (feed.slow.ts stops its keeper and
// pokes from another account, which an in-process keeper would race). Everything else (operators, real MPC-TLS,
// aggregator, indexer) is the devnet's own.
//
// Sizing (operator/tlsn/README.md: one 1 KB session is ~45 CPU-s and keeps ~1.7 of the 2 cores busy): quorum 1 (one
// prover, no spare: sampleSize(1) = 1), a received limit just above the fixture's ~250-byte answer, Latency mode (the
// parties share loopback: -10 % CPU), and two operators with one session per role each, so at most two sessions run
// at once (one proved by each operator, notarised by the other); more only slow every session down.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type Address, type Hex, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { startApi, type RunningApi } from '../../api/app.ts';
import { type Devnet, FIXTURE_HOST, startDevnet } from '../../cli/devnet.ts';
import { createVeritasTestClient, type VeritasTestClient } from '../../core/chain/clients.ts';
import { deployAndWait } from '../../core/chain/contracts.ts';
import { datasetRegistryAbi } from '../../core/dataset/chain.ts';
import { datasetRegistryBytecode } from '../../oracle-contracts/generated/artifacts.ts';
import { hubEvent, testLog } from '../support/network.ts';

/** The fixture's /v1/price answer is ~250 bytes with its headers: 512 holds it with room, at the least MPC cost. */
export const PRICE_RESPONSE_BYTES = 512;

/** The fixture price as a spec (a feed template without `deadline`): quorum 1, median, the tight received limit. */
export function priceSpec(name: string, query = ''): Record<string, unknown> {
  return {
    name,
    url: `https://${FIXTURE_HOST}/v1/price${query}`,
    extract: { jsonPath: '$.price' },
    resultSchema: { type: 'number' },
    value: { type: 'number', precision: 2 },
    aggregation: { policy: 'median', band: 0.01 },
    maxResponseBytes: PRICE_RESPONSE_BYTES,
    quorum: 1,
  };
}

const run = promisify(execFile);

export type DatasetDevnet = {
  devnet: Devnet;
  registry: Address;
  /** An API over the devnet's database and IPFS node that also serves /v1/datasets for `registry`. */
  api: RunningApi;
  testClient: VeritasTestClient;
  dir: string;
  /** A fresh account with 100 ETH (no process of the devnet sends from it, so nonces never collide). */
  fundedKey(): Promise<Hex>;
  /** The CLI's environment for `key`. */
  env(key: Hex): NodeJS.ProcessEnv;
  /** Runs `veritas …` as a process with `key`; resolves to its stdout (trimmed), rejects with its stderr. */
  veritas(key: Hex, ...args: string[]): Promise<string>;
  /** `veritas dataset create` from a metadata document and sources.jsonl lines, through `api`; the dataset id. */
  createDataset(key: Hex, o: { metadata: unknown; sources: unknown[]; api: string }): Promise<bigint>;
  stop(): Promise<void>;
};

export async function startDatasetDevnet(): Promise<DatasetDevnet> {
  const dir = await mkdtemp(path.join(tmpdir(), 'veritas-e2e-ds-'));
  const log = testLog;
  const devnet = await startDevnet({
    dataDir: path.join(dir, 'devnet'),
    log,
    operators: 2,
    maxSessions: 1,
    tuning: { network: 'Latency' },
    sessionTimeoutMs: 240_000,
  });
  try {
    const { address: registry } = await deployAndWait(devnet.deployer, {
      abi: datasetRegistryAbi,
      bytecode: datasetRegistryBytecode,
      args: [devnet.deployment.hub, parseEther('0.001')],
    });
    const api = await startApi({
      db: devnet.database.db,
      ipfs: devnet.ipfs,
      chain: {
        publicClient: devnet.deployer.publicClient,
        hubAddress: devnet.deployment.hub,
        chainId: devnet.chainId,
        datasetRegistry: registry,
      },
      config: {
        api: { host: '127.0.0.1', port: 0, apiKeys: [devnet.api.key], corsOrigins: [], rateLimitPerMin: 100_000 },
      },
      log,
      acceptDevnetProofs: true,
    });
    const testClient = createVeritasTestClient(devnet.rpcUrl, devnet.chainId);
    const env = (key: Hex): NodeJS.ProcessEnv => ({
      ...process.env,
      VERITAS_RPC_URL: devnet.rpcUrl,
      VERITAS_HUB_ADDRESS: devnet.deployment.hub,
      VERITAS_DATASET_REGISTRY_ADDRESS: registry,
      VERITAS_PRIVATE_KEY: key,
      VERITAS_API_KEYS: devnet.api.key,
      VERITAS_LOG_LEVEL: 'silent',
    });
    const veritas = (key: Hex, ...args: string[]) =>
      run(process.execPath, ['cli/veritas.ts', ...args], { env: env(key), encoding: 'utf8' }).then((r) =>
        r.stdout.trim(),
      );
    return {
      devnet,
      registry,
      api,
      testClient,
      dir,
      async fundedKey() {
        const key = generatePrivateKey();
        await testClient.setBalance({ address: privateKeyToAccount(key).address, value: parseEther('100') });
        return key;
      },
      env,
      veritas,
      async createDataset(key, { metadata, sources, api: url }) {
        const metadataFile = path.join(dir, 'meta.json');
        const sourcesFile = path.join(dir, 'sources.jsonl');
        await writeFile(metadataFile, JSON.stringify(metadata));
        await writeFile(sourcesFile, `${sources.map((s) => JSON.stringify(s)).join('\n')}\n`);
        const id = await veritas(
          key,
          'dataset',
          'create',
          '--metadata',
          metadataFile,
          '--sources',
          sourcesFile,
          '--api',
          url,
          '--api-key',
          devnet.api.key,
        );
        return BigInt(id);
      },
      async stop() {
        await api.close();
        await devnet.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await devnet.stop();
    throw e;
  }
}

/** Resolves with the next DatasetVersion of `datasetId` whose version is `version` (an event, not a poll). */
export function datasetVersion(d: DatasetDevnet, datasetId: bigint, version: number): Promise<{ root: Hex }> {
  return new Promise((resolve) => {
    const unwatch = d.devnet.deployer.publicClient.watchContractEvent({
      address: d.registry,
      abi: datasetRegistryAbi,
      eventName: 'DatasetVersion',
      args: { datasetId },
      fromBlock: d.devnet.deployment.deployBlock,
      pollingInterval: 250,
      onLogs: (logs) => {
        const l = logs.find((x) => Number(x.args.version) === version);
        if (!l) return;
        unwatch();
        resolve({ root: l.args.root! });
      },
    });
  });
}

/** Resolves when the hub fulfils `requestId` (test/support/network.ts's hubEvent). */
export const requestFulfilled = (d: DatasetDevnet, requestId: Hex): Promise<unknown> =>
  hubEvent(d.devnet, 'RequestFulfilled', requestId);

/** Resolves with the request of `feedId`'s round `round` once someone pokes it (FeedPoked, an event, not a poll). */
export function feedPoked(
  d: DatasetDevnet,
  feedId: bigint,
  round: number,
): Promise<{ requestId: Hex; poker: Address }> {
  return new Promise((resolve) => {
    const unwatch = d.devnet.deployer.publicClient.watchContractEvent({
      address: d.registry,
      abi: datasetRegistryAbi,
      eventName: 'FeedPoked',
      args: { feedId },
      fromBlock: d.devnet.deployment.deployBlock,
      pollingInterval: 250,
      onLogs: (logs) => {
        const l = logs.find((x) => Number(x.args.round) === round);
        if (!l) return;
        unwatch();
        resolve({ requestId: l.args.requestId!, poker: l.args.poker! });
      },
    });
  });
}
