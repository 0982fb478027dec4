// The network of the quick fault tests: real anvil + contracts + registered operators, real PostgreSQL (embedded PGlite,
// or a server given by URL), real Helia, the real aggregator service and the real API — with the provers' MPC-TLS
// sessions replaced by genuinely signed bundles (test/verify/world.ts).
//
// Why no MPC here: each real session costs ~12 s of CI CPU, and none of these faults is about the session itself —
// they are about what happens around it (an API restart, a database restart, a forged bundle, a prover that never
// answers). The operators' keys, signatures, on-chain `respond` calls, IPFS pinning, the aggregator's verification and
// the API's timeline are all real. The slow suite (`*.slow.ts`, `npm run faults`) repeats the MPC-bound faults on a
// devnet with real sessions.
import { join } from 'node:path';
import { parseEther, type Address, type Hex } from 'viem';
import { openDatabase, type DatabaseHandle } from '../../core/db/client.ts';
import { assignWhenDue, oracleHubAbi } from '../../core/chain/contracts.ts';
import { rootLogger } from '../../core/log.ts';
import { requestStatusOf, type OnChainRequestStatus } from '../../core/verify/chain.ts';
import { startAggregator, type Aggregator } from '../../aggregator/service.ts';
import { startApi, type RunningApi } from '../../api/app.ts';
import { RequestSpec, type RequestSpecInput } from '../../schemas/spec.ts';
import { aggregatorOptions } from '../support/aggregator.ts';
import { baseSpec, startWorld, type PlacedRequest, type World } from '../verify/world.ts';

export const API_KEY = 'faults-key';
export const log = rootLogger().child({ test: 'faults' });
log.level = process.env.VERITAS_TEST_LOG ?? 'silent';

export type FaultNetwork = {
  world: World;
  db: DatabaseHandle;
  aggregator: Aggregator;
  api: RunningApi;
  /** Stops the aggregator (its state stays in the database and on-chain). */
  stopAggregator(): Promise<void>;
  /** Starts a fresh aggregator on the same database and IPFS node (stopping the current one if it runs). */
  restartAggregator(): Promise<void>;
  /** Closes the API (ending open SSE streams) and serves it again on the same port. */
  restartApi(): Promise<void>;
  /** POSTs a spec to the API (which pins it and sends `request`) and reads the committee the hub drew. */
  post(input: Partial<RequestSpecInput>, fee?: bigint): Promise<PlacedRequest>;
  close(): Promise<void>;
};

export async function startFaultNetwork(o: { operators?: number; databaseUrl?: string } = {}): Promise<FaultNetwork> {
  const world = await startWorld({ operators: o.operators ?? 3 });
  const closers: (() => Promise<void>)[] = [() => world.close()];
  try {
    const db = await openDatabase({ url: o.databaseUrl, dataDir: join(world.dir, 'node'), log });
    closers.push(() => db.close());
    // passes also run on their own 100 ms timer, as in production, besides the ticks the tests drive
    const options = aggregatorOptions(world, db, log, { pollIntervalMs: 100 });
    const apiDeps = (port: number) => ({
      db: db.db,
      ipfs: world.ipfs,
      chain: {
        publicClient: world.publicClient,
        walletClient: world.consumer,
        hubAddress: world.deployment.hub,
        chainId: world.anvil.chainId,
      },
      config: { api: { host: '127.0.0.1', port, apiKeys: [API_KEY], corsOrigins: [], rateLimitPerMin: 100_000 } },
      log,
      options: { ssePollMs: 50, sseHeartbeatMs: 1_000 },
    });
    let aggregatorStopped = false;
    const net: FaultNetwork = {
      world,
      db,
      aggregator: startAggregator(options),
      api: await startApi(apiDeps(0)),
      async stopAggregator() {
        if (aggregatorStopped) return;
        aggregatorStopped = true;
        await net.aggregator.stop();
      },
      async restartAggregator() {
        await net.stopAggregator();
        net.aggregator = startAggregator(options);
        aggregatorStopped = false;
      },
      async restartApi() {
        await net.api.close();
        net.api = await startApi(apiDeps(net.api.port));
      },
      async post(input, fee = parseEther('0.01')) {
        const spec = RequestSpec.parse(baseSpec(input));
        const res = await fetch(`${net.api.url}/v1/requests`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
          body: JSON.stringify({ spec, fee: fee.toString() }),
        });
        const body = (await res.json()) as { requestId: Hex; specCid: string; specHash: Hex; message?: string };
        if (res.status !== 201) throw new Error(`POST /v1/requests answered ${res.status}: ${body.message}`);
        // hub v2: the committee is drawn by `assign` (the aggregator's pass or this call, whichever is first)
        const { provers, notaries } = await assignWhenDue(
          { walletClient: world.consumer, publicClient: world.publicClient },
          world.deployment.hub,
          body.requestId,
        );
        return {
          requestId: body.requestId,
          spec,
          specCid: body.specCid,
          specHash: body.specHash,
          provers: provers.map((a) => a.toLowerCase() as Address),
          notaries: notaries.map((a) => a.toLowerCase() as Address),
        };
      },
      async close() {
        await net.api.close();
        await net.stopAggregator();
        for (const c of closers.reverse()) await c().catch(() => undefined);
      },
    };
    return net;
  } catch (e) {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    throw e;
  }
}

/** Resolves once `check` returns a value other than undefined, re-checking after every aggregator pass. */
export async function until<T>(
  net: FaultNetwork,
  check: () => Promise<T | undefined>,
  what: string,
  passes = 400,
): Promise<T> {
  for (let i = 0; i < passes; i++) {
    const v = await check();
    if (v !== undefined) return v;
    // waits for (or runs) a pass: progress is what we wait on, not time; a failed pass (say, the database is
    // restarting) is retried like the service's own loop retries it
    await net.aggregator.tick().catch(() => new Promise((r) => setTimeout(r, 100)));
  }
  throw new Error(`gave up waiting for ${what} after ${passes} aggregator passes`);
}

/** The request's on-chain status by name ('pending', 'fulfilled', 'expired'), as core/verify/chain.ts names it. */
export const requestStatus = async (world: World, requestId: Hex): Promise<OnChainRequestStatus> =>
  requestStatusOf(
    (
      await world.publicClient.readContract({
        address: world.deployment.hub,
        abi: oracleHubAbi,
        functionName: 'getRequest',
        args: [requestId],
      })
    ).status,
  );

export async function hubEvents(
  world: World,
  eventName: 'RequestFulfilled' | 'RequestExpired' | 'EquivocationReported',
  requestId: Hex,
) {
  return world.publicClient.getContractEvents({
    address: world.deployment.hub,
    abi: oracleHubAbi,
    eventName,
    args: { requestId },
    fromBlock: world.deployment.deployBlock,
  });
}
