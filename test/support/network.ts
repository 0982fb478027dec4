// A devnet for a test file or suite — cli/devnet.ts's in-process `startDevnet` (anvil, contracts, operators with real
// MPC-TLS, aggregator, API) in a fresh data directory that is removed afterwards — and the hub events tests wait on.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { pino } from 'pino';
import type { Hex, WatchContractEventOnLogsParameter } from 'viem';
import { startDevnet, type Devnet, type DevnetOptions } from '../../cli/devnet.ts';
import { oracleHubAbi } from '../../core/chain/contracts.ts';

export const testLog = pino({ level: process.env.VERITAS_TEST_LOG ?? 'silent' });

export type TestDevnet = { readonly devnet: Devnet; readonly dataDir: string };

/**
 * Starts a devnet in `before` and stops it, then removes its data, in `after` — of the suite this is called in, or
 * of the file at top level. Read `.devnet` and `.dataDir` inside tests and hooks (they are set once `before` ran).
 */
export function useDevnet(name: string, options: Omit<DevnetOptions, 'dataDir' | 'log'> = {}): TestDevnet {
  let devnet: Devnet | undefined;
  let dataDir: string | undefined;
  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), `veritas-${name}-`));
    devnet = await startDevnet({ dataDir, log: testLog, ...options });
  });
  after(async () => {
    await devnet?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });
  return {
    get devnet() {
      if (!devnet) throw new Error('the devnet is not started yet (read it inside a test or hook)');
      return devnet;
    },
    get dataDir() {
      if (!dataDir) throw new Error('the devnet is not started yet (read it inside a test or hook)');
      return dataDir;
    },
  };
}

type HubEvent = 'RequestFulfilled' | 'RequestExpired';
export type HubEventLog<E extends HubEvent> = WatchContractEventOnLogsParameter<typeof oracleHubAbi, E, true>[number];

/** Resolves with the first `eventName` of `requestId` that the devnet's hub emits (an event, not a poll of the API). */
export function hubEvent<E extends HubEvent>(devnet: Devnet, eventName: E, requestId: Hex): Promise<HubEventLog<E>> {
  return new Promise((resolve) => {
    const unwatch = devnet.deployer.publicClient.watchContractEvent({
      address: devnet.deployment.hub,
      abi: oracleHubAbi,
      eventName,
      args: { requestId },
      fromBlock: devnet.deployment.deployBlock,
      strict: true,
      pollingInterval: 250,
      onLogs: (logs) => {
        const l = logs[0];
        if (!l) return;
        unwatch();
        resolve(l as HubEventLog<E>);
      },
    });
  });
}
