// The real aggregator service over a test world (test/verify/world.ts): its own database (test/support/database.ts),
// options pointing at the world's chain and IPFS node, and the file-level cleanups that stop all of it in reverse.
import { join } from 'node:path';
import { after } from 'node:test';
import type { StartAggregatorOptions } from '../../aggregator/service.ts';
import type { DatabaseHandle } from '../../core/db/client.ts';
import type { Logger } from '../../core/log.ts';
import type { World } from '../verify/world.ts';
import { type Cleanups, openTestDatabase } from './database.ts';

export type { Cleanups };

/** A stack of cleanups run last-first after the file's tests; one that throws does not stop the ones after it. */
export function useCleanups(): Cleanups {
  const stack: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of stack.reverse()) await c().catch(() => undefined);
  });
  return { push: (c) => void stack.push(c) };
}

/** A fresh database under the world's directory (or on DATABASE_URL's server), closed and dropped afterwards. */
export const worldDatabase = (world: World, name: string, log: Logger, cleanups: Cleanups) =>
  openTestDatabase(join(world.dir, name), log, cleanups);

/**
 * The aggregator's options for `world`: its chain, hub, aggregator wallet and IPFS node, production's proof policy
 * (devnet proofs refused), and passes driven by the test's `tick()` rather than a timer unless `over` says otherwise.
 */
export function aggregatorOptions(
  world: World,
  db: DatabaseHandle,
  log: Logger,
  over: Partial<StartAggregatorOptions> = {},
): StartAggregatorOptions {
  return {
    db: db.db,
    ipfs: world.ipfs,
    publicClient: world.publicClient,
    walletClient: world.aggregatorWallet,
    hub: world.deployment.hub,
    fromBlock: world.deployment.deployBlock,
    policy: { acceptDevnetProofs: false },
    log,
    pollIntervalMs: 60_000,
    ...over,
  };
}
