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

// Two concrete log types, not one generic over the event name: a generic `E` threaded through viem's
// `WatchContractEventOnLogsParameter` made tsc instantiate the hub ABI's types without bound (it ran out of memory).
type FulfilledLog = WatchContractEventOnLogsParameter<typeof oracleHubAbi, 'RequestFulfilled', true>[number];
type ExpiredLog = WatchContractEventOnLogsParameter<typeof oracleHubAbi, 'RequestExpired', true>[number];

/** Resolves with the first `eventName` of `requestId` that the devnet's hub emits (an event, not a poll of the API). */
export function hubEvent(devnet: Devnet, eventName: 'RequestFulfilled', requestId: Hex): Promise<FulfilledLog>;
export function hubEvent(devnet: Devnet, eventName: 'RequestExpired', requestId: Hex): Promise<ExpiredLog>;
export function hubEvent(
  devnet: Devnet,
  eventName: 'RequestFulfilled' | 'RequestExpired',
  requestId: Hex,
): Promise<FulfilledLog | ExpiredLog> {
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
        resolve(l as FulfilledLog | ExpiredLog);
      },
    });
  });
}
