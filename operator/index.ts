// One operator: its notary service (Verifier), its fetcher (Prover) with its SSRF-guarded proxy, and its job loop.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { parseEther, type Hex, type PrivateKeyAccount } from 'viem';
import type { ChainClients } from '../core/chain/clients.ts';
import { operatorRegistryAbi, sendContractCall } from '../core/chain/contracts.ts';
import type { Database } from '../core/db/client.ts';
import { requestEvents } from '../core/db/schema.ts';
import type { IpfsNode } from '../core/ipfs.ts';
import type { Logger } from '../core/log.ts';
import { encodeOperatorMetadata } from '../core/operator-metadata.ts';
import type { SsrfPolicy } from '../core/ssrf.ts';
import type { TrustMode } from '../schemas/bundle.ts';
import type { OperatorContext } from './context.ts';
import { registryOf } from './context.ts';
import type { FetchStage } from './fetcher.ts';
import { startJobs, type JobsOptions } from './jobs.ts';
import { startNotaryService } from './notary.ts';
import type { SecretStore } from './secrets.ts';
import { createFileStore } from './store.ts';
import { startProxy } from './tlsn/proxy.ts';
import { createLimiter } from './tlsn/limiter.ts';
import { closeWarmParties, warmParties, type PartyTuning } from './tlsn/session.ts';
import { stageObserver } from '../core/metrics.ts';
import { operatorHealth } from './health.ts';

export { STAGES, type FetchStage } from './fetcher.ts';

export type OperatorOptions = {
  account: PrivateKeyAccount;
  chain: ChainClients & { chainId: number; hub: `0x${string}`; registry: `0x${string}` };
  db: Database;
  ipfs: IpfsNode;
  /** This operator's own directory: attestations it signed, sessions it finished. */
  dataDir: string;
  trust: TrustMode;
  wasmPath: string | undefined;
  tuning?: PartyTuning;
  /** Concurrent MPC sessions per role (default 2 provers and 2 verifiers). */
  maxSessions?: number;
  notary: { host: string; port: number; publicUrl?: string };
  ssrf: SsrfPolicy;
  secrets: SecretStore;
  sessionTimeoutMs?: number;
  jobs?: Partial<JobsOptions>;
  log: Logger;
};

export type StageEvent = {
  requestId: Hex;
  operator: Hex;
  stage: FetchStage | 'retrying' | 'failed' | 'mpc-progress';
  detail?: Record<string, unknown>;
};

export type Operator = {
  address: Hex;
  notaryUrl: string;
  /** `/healthz`, `/readyz` and `/metrics` of this operator, on its notary port. */
  healthUrl: string;
  /** This operator's Helia node, where its bundles are pinned. */
  ipfs: IpfsNode;
  /** Every stage of every request at this operator, as it happens (also written to request_events). */
  events: EventEmitter<{ stage: [StageEvent] }>;
  /** Registers in OperatorRegistry with `bond` unless already active, advertising the notary and IPFS addresses. */
  register(bond?: bigint, name?: string): Promise<void>;
  poke(): void;
  stop(): Promise<void>;
};

export async function startOperator(o: OperatorOptions): Promise<Operator> {
  const address = o.account.address.toLowerCase() as Hex;
  const log = o.log.child({ operator: address });
  const ctx: OperatorContext = {
    account: o.account,
    chainId: o.chain.chainId,
    hub: o.chain.hub,
    registry: o.chain.registry,
    publicClient: o.chain.publicClient,
    walletClient: o.chain.walletClient,
    ipfs: o.ipfs,
    db: o.db,
    wasmPath: o.wasmPath,
    trust: o.trust,
    tuning: o.tuning,
    limiters: { prover: createLimiter(o.maxSessions ?? 2), verifier: createLimiter(o.maxSessions ?? 2) },
    log,
  };
  const sessionTimeoutMs = o.sessionTimeoutMs ?? 120_000;
  const events = new EventEmitter<{ stage: [StageEvent] }>();
  const observeStage = stageObserver();
  const health = operatorHealth({ db: o.db, publicClient: o.chain.publicClient, address });
  const onStage = async (requestId: Hex, stage: StageEvent['stage'], detail?: Record<string, unknown>) => {
    // progress is not a stage boundary: it stays out of the stage-duration metrics and the info log
    if (stage !== 'mpc-progress') observeStage(`${address}:${requestId}`, stage);
    await o.db.insert(requestEvents).values({ requestId, source: address, stage, detail: detail ?? null });
    events.emit('stage', { requestId, operator: address, stage, ...(detail ? { detail } : {}) });
    log[stage === 'mpc-progress' ? 'debug' : 'info']({ requestId, stage, ...detail }, `stage ${stage}`);
  };

  const notary = await startNotaryService(ctx, {
    ...o.notary,
    attestations: createFileStore(path.join(o.dataDir, 'attestations')),
    sessionTimeoutMs,
    onHttp: health.handle,
  });
  const proxy = await startProxy({ host: '127.0.0.1', policy: o.ssrf });
  const jobs = startJobs(
    ctx,
    {
      secrets: o.secrets,
      sessions: createFileStore(path.join(o.dataDir, 'sessions')),
      proxyBaseUrl: proxy.url,
      ssrf: o.ssrf,
      sessionTimeoutMs,
      onStage,
    },
    {
      fromBlock: o.jobs?.fromBlock ?? 0n,
      pollIntervalMs: o.jobs?.pollIntervalMs ?? 1_000,
      concurrency: o.jobs?.concurrency ?? 2,
      maxAttempts: o.jobs?.maxAttempts ?? 4,
      backoffBaseMs: o.jobs?.backoffBaseMs ?? 2_000,
    },
  );
  // warm parties from the start, so the first session skips process start and wasm compile too
  if (o.tuning?.warm) void warmParties({ wasmPath: o.wasmPath, tuning: o.tuning });
  log.info({ notaryUrl: notary.url, proxy: proxy.url }, 'operator started');
  health.markReady();

  return {
    address,
    notaryUrl: notary.url,
    healthUrl: notary.url.replace(/^ws/, 'http'),
    ipfs: o.ipfs,
    events,
    async register(bond = parseEther('1'), name?: string) {
      if (await registryOf(ctx).read.isActive([o.account.address])) return;
      const metadataURI = encodeOperatorMetadata({
        notaryUrl: notary.url,
        ipfs: o.ipfs.multiaddrs,
        ...(name ? { name } : {}),
      });
      await sendContractCall(o.chain, {
        address: o.chain.registry,
        abi: operatorRegistryAbi,
        functionName: 'register',
        args: [metadataURI],
        value: bond,
      });
      log.info({ bond: bond.toString() }, 'registered in OperatorRegistry');
    },
    poke: () => jobs.poke(),
    async stop() {
      await jobs.stop();
      await proxy.close();
      await notary.close();
      // the pool is per process (one per load): an in-process devnet's other operators lose only their spares
      if (o.tuning?.warm) await closeWarmParties();
    },
  };
}
