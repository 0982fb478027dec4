// The local network in one process: anvil with the contracts, embedded PostgreSQL, Helia nodes, the fixture source
// site under the devnet trust anchor, three operators, the aggregator and the API. `veritas devnet` and the
// end-to-end tests start it through `startDevnet`.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseEther, type Hex } from 'viem';
import { startAnvil } from '../core/chain/anvil.ts';
import { connectChain, type ChainClients } from '../core/chain/clients.ts';
import { deployVeritas, type VeritasDeployment } from '../core/chain/contracts.ts';
import { openDatabase, type DatabaseHandle } from '../core/db/client.ts';
import type { Logger } from '../core/log.ts';
import { createLifecycle, type Lifecycle } from './lifecycle.ts';

export type DevnetOptions = {
  dataDir: string;
  log: Logger;
  /** External PostgreSQL instead of the embedded one. */
  databaseUrl?: string | undefined;
  /** Called as each stage starts, for progress display. */
  onStage?: (stage: string) => void;
};

export type Devnet = {
  rpcUrl: string;
  chainId: number;
  deployment: VeritasDeployment;
  /** Dev keys: [0] deployer + aggregator, [1..3] operators, [4] the consumer used by the API. */
  keys: Hex[];
  deployer: ChainClients;
  database: DatabaseHandle;
  dataDir: string;
  lifecycle: Lifecycle;
  stop(): Promise<void>;
};

export async function startDevnet(options: DevnetOptions): Promise<Devnet> {
  const { log } = options;
  const stage = options.onStage ?? (() => {});
  const lifecycle = createLifecycle((name, e) => log.error({ err: e, resource: name }, 'stopping failed'));
  try {
    // A devnet chain starts empty every time, so state derived from an older chain must not survive it.
    stage('data directory');
    await rm(options.dataDir, { recursive: true, force: true });
    await mkdir(options.dataDir, { recursive: true });

    stage('chain (anvil)');
    const anvil = await startAnvil({ accounts: 10 });
    lifecycle.defer('anvil', () => anvil.stop());
    const keys = anvil.accounts;
    const deployer = await connectChain(anvil.rpcUrl, keys[0]!, { chainId: anvil.chainId });

    stage('contracts');
    const deployment = await deployVeritas(deployer.walletClient, deployer.publicClient, {
      minBond: parseEther('1'),
      unbondDelay: 3_600,
    });

    stage('database');
    const database = await openDatabase({ url: options.databaseUrl, dataDir: options.dataDir, log });
    lifecycle.defer('database', () => database.close());

    return {
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      deployment,
      keys,
      deployer,
      database,
      dataDir: options.dataDir,
      lifecycle,
      stop: () => lifecycle.stop(),
    };
  } catch (e) {
    await lifecycle.stop();
    throw e;
  }
}

export const devnetDataDir = (dataDir: string): string => path.join(dataDir, 'devnet');
