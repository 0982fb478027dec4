// Set-up shared by the real-MPC dataset tests: the devnet (startDevnet), a DatasetRegistry on its chain, an API that
// serves /v1/datasets for it, funded fresh accounts, the `veritas` CLI run as a process, and on-chain waits.
//
// startDevnet does not deploy a DatasetRegistry nor run a keeper yet (cli/devnet.ts is another engineer's): the
// registry is deployed here with the same helper the contract tests use, and an API started beside the devnet's
// with `datasetRegistry` set. Everything else (operators, real MPC-TLS, aggregator, indexer) is the devnet's own.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { type Address, type Hex, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { startApi, type RunningApi } from '../../api/app.ts';
import { type Devnet, startDevnet } from '../../cli/devnet.ts';
import { createVeritasTestClient, type VeritasTestClient } from '../../core/chain/clients.ts';
import { deployAndWait, oracleHubAbi } from '../../core/chain/contracts.ts';
import { datasetRegistryAbi } from '../../core/dataset/chain.ts';
import { datasetRegistryBytecode } from '../../oracle-contracts/generated/artifacts.ts';

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
  stop(): Promise<void>;
};

export async function startDatasetDevnet(o: { operators: number }): Promise<DatasetDevnet> {
  const dir = await mkdtemp(path.join(tmpdir(), 'veritas-e2e-ds-'));
  const log = pino({ level: process.env.VERITAS_TEST_LOG ?? 'silent' });
  const devnet = await startDevnet({
    dataDir: path.join(dir, 'devnet'),
    log,
    operators: o.operators,
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
      veritas: (key, ...args) =>
        run(process.execPath, ['cli/veritas.ts', ...args], { env: env(key), encoding: 'utf8' }).then((r) =>
          r.stdout.trim(),
        ),
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

/** Resolves when the hub fulfils `requestId` (RequestFulfilled). */
export function requestFulfilled(d: DatasetDevnet, requestId: Hex): Promise<void> {
  return new Promise((resolve) => {
    const unwatch = d.devnet.deployer.publicClient.watchContractEvent({
      address: d.devnet.deployment.hub,
      abi: oracleHubAbi,
      eventName: 'RequestFulfilled',
      args: { requestId },
      fromBlock: d.devnet.deployment.deployBlock,
      pollingInterval: 250,
      onLogs: (logs) => {
        if (logs.length === 0) return;
        unwatch();
        resolve();
      },
    });
  });
}
