// The local network: anvil with the contracts (OracleHub, OperatorRegistry, DatasetRegistry), the fixture source
// site under the devnet trust anchor, operators, the aggregator, the API and a keeper. Two compositions:
// `processes` (what `veritas devnet` runs: each component its own OS process, cli/devnet-processes.ts) and
// `in-process` (the default of `startDevnet`, for tests that hook into an operator: one process, one database).
// This is the composition root's job: only cli/ wires the operator, the aggregator and the API together.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseEther, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { startAnvil } from '../core/chain/anvil.ts';
import { connectChain, type ChainClients } from '../core/chain/clients.ts';
import { deployAndWait, deployVeritas, type VeritasDeployment } from '../core/chain/contracts.ts';
import { openDatabase, type DatabaseHandle } from '../core/db/client.ts';
import { createIpfs, type IpfsNode } from '../core/ipfs.ts';
import type { Logger } from '../core/log.ts';
import type { SsrfPolicy } from '../core/ssrf.ts';
import { startOperator, type Operator, type OperatorOptions } from '../operator/index.ts';
import { secretStoreFrom } from '../operator/secrets.ts';
import { createDevTrust, type DevTrust } from '../operator/tlsn/dev-trust.ts';
import type { PartyTuning } from '../operator/tlsn/session.ts';
import { startFixtureSite, type FixtureSite } from './devnet-site.ts';
import { startAggregator, type Aggregator } from '../aggregator/service.ts';
import { datasetRegistryAbi, datasetRegistryBytecode } from '../oracle-contracts/generated/artifacts.ts';
import { keeperTick } from '../core/dataset/feeds.ts';
import type { Address } from 'viem';
import { startApi } from '../api/app.ts';
import { createLifecycle, type Lifecycle } from './lifecycle.ts';
import { startProcessDevnet, type ProcessDevnet } from './devnet-processes.ts';
import type { RequestSpecInput } from '../schemas/spec.ts';

/** The fixture site's host name: resolved by the operators' proxies through an explicit allow-list entry. */
export const FIXTURE_HOST = 'api.veritas.test';
/** Seconds between the devnet's interval blocks (transactions are mined at once besides, see startDevnetBase). */
export const DEVNET_BLOCK_SECONDS = 1;
/** The devnet's services poll the chain 4× a block: a production default (1 s) would add ~0.5 s per hop. */
export const DEVNET_POLL_MS = 250;
/** The secret reference the fixture site's private endpoint needs (`{"name":"Authorization","secret":true,"ref":…}`). */
export const FIXTURE_SECRET_REF = 'fixture-token';
/** The devnet operators' secret store: the fixture token, bound to the fixture's private endpoint only. */
export const fixtureSecrets = (value: string) => ({
  [FIXTURE_SECRET_REF]: { value, host: FIXTURE_HOST, pathPrefix: '/v1/private', header: 'Authorization' },
});

/**
 * The devnet's reference request: the fixture's ≈1 KB account statement behind a secret Authorization header (its
 * value comes from each prover's secret store and is never revealed to the notary), balance extracted exactly.
 */
export const privateBalanceSpec = (quorum: number, deadline: number): RequestSpecInput => ({
  name: 'Fixture private balance',
  url: `https://${FIXTURE_HOST}/v1/private`,
  headers: [{ name: 'Authorization', secret: true, ref: FIXTURE_SECRET_REF }],
  extract: { jsonPath: '$.balance' },
  resultSchema: { type: 'number' },
  value: { type: 'number', precision: 2 },
  aggregation: { policy: 'exact' },
  maxResponseBytes: 2048,
  quorum,
  deadline,
});

export type DevnetMode = 'in-process' | 'processes';

export type DevnetOptions = {
  dataDir: string;
  log: Logger;
  /** External PostgreSQL instead of the embedded one. */
  databaseUrl?: string | undefined;
  /** How many operators (default 3; at least 2, as nobody may notarise their own fetch). */
  operators?: number;
  tuning?: PartyTuning;
  /** Concurrent MPC sessions per operator and role, and jobs per operator (in-process; default: the operator's 2). */
  maxSessions?: number;
  sessionTimeoutMs?: number;
  /** The API's port on 127.0.0.1 (default 0: any free port). */
  apiPort?: number;
  /** The API key of the write endpoints (default "devnet": the API listens on loopback only). */
  apiKey?: string;
  /** Called as each stage starts, for progress display. */
  onStage?: (stage: string) => void;
  /** Seconds between interval blocks (default DEVNET_BLOCK_SECONDS; the bench compares settings). */
  blockSeconds?: number;
};

export type Devnet = {
  rpcUrl: string;
  chainId: number;
  deployment: VeritasDeployment;
  datasetRegistry: Address;
  /** The account the devnet's keeper pokes due feeds from. */
  keeper: { address: Address };
  /** Dev keys: [0] deployer + aggregator, [1..n] operators, [n+1] the consumer used by the API, [n+2] the keeper. */
  keys: Hex[];
  deployer: ChainClients;
  database: DatabaseHandle;
  /** The node the API and the aggregator use (specs are pinned here; bundles are fetched through it). */
  ipfs: IpfsNode;
  operators: Operator[];
  aggregator: Aggregator;
  /** The API (and provenance pages at its root) and the key its write endpoints take. */
  api: { url: string; key: string };
  /** Stops operator `index` (0-based) and starts it again on the same key, data and notary port. */
  restartOperator(index: number): Promise<Operator>;
  trust: DevTrust;
  site: FixtureSite;
  /** The token the fixture site's private endpoint wants; only the operators' secret stores hold it. */
  fixtureToken: string;
  ssrf: SsrfPolicy;
  dataDir: string;
  lifecycle: Lifecycle;
  stop(): Promise<void>;
};

/** What both compositions share: the chain with every contract, the trust anchor and the fixture site. */
export type DevnetBase = {
  trust: DevTrust;
  site: FixtureSite;
  fixtureToken: string;
  ssrf: SsrfPolicy;
  rpcUrl: string;
  chainId: number;
  /** Dev keys: [0] deployer + aggregator, [1..n] operators, [n+1] the consumer used by the API, [n+2] the keeper. */
  keys: Hex[];
  deployer: ChainClients;
  deployment: VeritasDeployment;
  datasetRegistry: Address;
};

/** Wipes `dataDir`, then starts the trust anchor, fixture site, anvil and the contracts; registered in `lifecycle`. */
export async function startDevnetBase(
  options: {
    dataDir: string;
    operators: number;
    onStage?: (stage: string) => void;
    /** Where anvil and the fixture site listen (default 127.0.0.1; the multi-host test: a bridge address). */
    host?: string;
    blockSeconds?: number;
  },
  lifecycle: Lifecycle,
): Promise<DevnetBase> {
  const stage = options.onStage ?? (() => {});
  const dir = (...p: string[]) => path.join(options.dataDir, ...p);
  // A devnet chain starts empty every time, so state derived from an older chain must not survive it.
  stage('data directory');
  await rm(options.dataDir, { recursive: true, force: true });
  await mkdir(options.dataDir, { recursive: true });

  stage('devnet trust anchor (fresh CA, patched tlsn wasm)');
  const trust = await createDevTrust({ dataDir: dir('trust') });
  const fixtureToken = randomBytes(16).toString('hex');
  const host = options.host ?? '127.0.0.1';
  const site = await startFixtureSite({ cert: trust.leafCertPem, key: trust.leafKeyPem, token: fixtureToken, host });
  lifecycle.defer('fixture site', () => site.close());
  const ssrf: SsrfPolicy = { allowList: { [FIXTURE_HOST]: `${host}:${site.port}` } };

  stage('chain (anvil)');
  // Mined like an L2 sequencer: each transaction at once (no block interval of waiting per transaction, four in a
  // request's life), and a block every second besides, so the chain's clock moves without traffic: an unanswerable
  // request on an idle devnet expires within a block of its deadline, and `assign` (which needs the block after the
  // request's) is due within a second without anyone else's transaction. 250 ms blocks would halve that wait but
  // cost the idle devnet half as much CPU again (0.31 vs 0.21 of a core, measured 2026-12-02), which the MPC
  // sessions feel more. bench/index.ts measures where a request's time goes.
  const anvil = await startAnvil({
    host,
    accounts: options.operators + 3,
    blockTime: options.blockSeconds ?? DEVNET_BLOCK_SECONDS,
    mixedMining: true,
  });
  lifecycle.defer('anvil', () => anvil.stop());
  const keys = anvil.accounts;
  const deployer = await connectChain(anvil.rpcUrl, keys[0]!, { chainId: anvil.chainId });

  stage('contracts');
  const deployment = await deployVeritas(deployer.walletClient, deployer.publicClient, {
    minBond: parseEther('1'),
    // ≥ maxDeadlineWindow + challengeWindow: an operator cannot leave before its work can be challenged
    unbondDelay: 86_400,
    maxDeadlineWindow: 6 * 3_600,
    challengeWindow: 3_600,
    assignDelay: 1,
    minFeePerProver: 1_000_000_000n,
  });
  // feeds and datasets: the keeper's poker tip is 0.0001 ETH a round
  const { address: datasetRegistry } = await deployAndWait(deployer, {
    abi: datasetRegistryAbi,
    bytecode: datasetRegistryBytecode,
    args: [deployment.hub, parseEther('0.0001')],
  });
  return {
    trust,
    site,
    fixtureToken,
    ssrf,
    rpcUrl: anvil.rpcUrl,
    chainId: anvil.chainId,
    keys,
    deployer,
    deployment,
    datasetRegistry,
  };
}

/** The keeper inside a devnet: `veritas keeper`'s pass every `everyMs`, in this process. */
export function startKeeperLoop(
  o: { rpcUrl: string; chainId: number; key: Hex; registry: Address; everyMs: number; log: Logger },
  lifecycle: Lifecycle,
): Promise<{ address: Address }> {
  return (async () => {
    const c = await connectChain(o.rpcUrl, o.key, { chainId: o.chainId });
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const loop = async () => {
      await keeperTick(c, o.registry).then(
        ({ poked }) => {
          for (const p of poked) o.log.info({ feedId: p.feedId, round: p.round }, 'keeper poked a feed');
        },
        (e: unknown) => o.log.warn({ err: e }, 'keeper pass failed'),
      );
      if (!stopped) timer = setTimeout(() => void loop(), o.everyMs);
    };
    timer = setTimeout(() => void loop(), o.everyMs);
    lifecycle.defer('keeper', () => {
      stopped = true;
      clearTimeout(timer);
    });
    return { address: c.walletClient.account.address };
  })();
}

export function startDevnet(options: DevnetOptions & { mode?: 'in-process' }): Promise<Devnet>;
export function startDevnet(options: DevnetOptions & { mode: 'processes' }): Promise<ProcessDevnet>;
export function startDevnet(options: DevnetOptions & { mode?: DevnetMode }): Promise<Devnet | ProcessDevnet> {
  return options.mode === 'processes' ? startProcessDevnet(options) : startInProcessDevnet(options);
}

async function startInProcessDevnet(options: DevnetOptions): Promise<Devnet> {
  const { log } = options;
  const stage = options.onStage ?? (() => {});
  const operatorCount = options.operators ?? 3;
  const lifecycle = createLifecycle((name, e) => log.error({ err: e, resource: name }, 'stopping failed'));
  const dir = (...p: string[]) => path.join(options.dataDir, ...p);
  try {
    const base = await startDevnetBase({ ...options, operators: operatorCount }, lifecycle);
    const { trust, site, fixtureToken, ssrf, keys, deployer, deployment } = base;
    const anvil = { rpcUrl: base.rpcUrl, chainId: base.chainId };

    stage('database');
    const database = await openDatabase({ url: options.databaseUrl, dataDir: dir('db'), log });
    lifecycle.defer('database', () => database.close());

    stage('IPFS nodes (loopback only)');
    const ipfs = await createIpfs({ dir: dir('ipfs', 'gateway'), network: 'loopback', log });
    lifecycle.defer('ipfs gateway', () => ipfs.stop());

    const operators: Operator[] = [];
    const operatorOptions: OperatorOptions[] = [];
    for (let i = 1; i <= operatorCount; i++) {
      stage(`operator ${i} of ${operatorCount}`);
      const node = await createIpfs({ dir: dir('ipfs', `operator-${i}`), network: 'loopback', log });
      lifecycle.defer(`ipfs operator ${i}`, () => node.stop());
      // Every node knows every other: specs travel gateway → operators, bundles operators → gateway.
      for (const peer of [ipfs, ...operators.map((o) => o.ipfs)]) await node.dial(peer.multiaddrs[0]!);
      const chain = await connectChain(anvil.rpcUrl, keys[i]!, { chainId: anvil.chainId });
      const opts: OperatorOptions = {
        account: privateKeyToAccount(keys[i]!),
        chain: { ...chain, chainId: anvil.chainId, hub: deployment.hub, registry: deployment.registry },
        db: database.db,
        ipfs: node,
        dataDir: dir('operators', String(i)),
        trust: 'devnet',
        wasmPath: trust.wasmPath,
        ...(options.tuning ? { tuning: options.tuning } : {}),
        notary: { host: '127.0.0.1', port: 0 },
        ssrf,
        secrets: secretStoreFrom(fixtureSecrets(`Bearer ${fixtureToken}`)),
        ...(options.sessionTimeoutMs ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
        ...(options.maxSessions ? { maxSessions: options.maxSessions } : {}),
        jobs: {
          fromBlock: deployment.deployBlock,
          pollIntervalMs: DEVNET_POLL_MS,
          ...(options.maxSessions ? { concurrency: options.maxSessions } : {}),
        },
        log,
      };
      const operator = await startOperator(opts);
      // Stops whichever instance is current: restartOperator may have replaced it.
      lifecycle.defer(`operator ${i}`, () => operators[i - 1]!.stop());
      await operator.register(parseEther('1'), `devnet-operator-${i}`);
      operators.push(operator);
      operatorOptions.push(opts);
    }
    const restartOperator = async (index: number): Promise<Operator> => {
      const opts = operatorOptions[index];
      if (!opts) throw new RangeError(`no operator ${index}`);
      await operators[index]!.stop();
      // The notary keeps its advertised URL: rebind the port the registry metadata names.
      const port = Number(new URL(operators[index]!.notaryUrl).port);
      operators[index] = await startOperator({ ...opts, notary: { ...opts.notary, port } });
      return operators[index]!;
    };
    stage('aggregator');
    const aggregator = startAggregator({
      db: database.db,
      ipfs,
      publicClient: deployer.publicClient,
      walletClient: deployer.walletClient,
      hub: deployment.hub,
      fromBlock: deployment.deployBlock,
      policy: { acceptDevnetProofs: true },
      log,
      pollIntervalMs: DEVNET_POLL_MS,
    });
    lifecycle.defer('aggregator', () => aggregator.stop());

    stage('API and provenance pages');
    const consumer = await connectChain(anvil.rpcUrl, keys[operatorCount + 1]!, { chainId: anvil.chainId });
    const apiKey = options.apiKey ?? 'devnet';
    const api = await startApi({
      db: database.db,
      ipfs,
      chain: {
        publicClient: consumer.publicClient,
        walletClient: consumer.walletClient,
        hubAddress: deployment.hub,
        chainId: anvil.chainId,
        datasetRegistry: base.datasetRegistry,
      },
      config: {
        api: {
          host: '127.0.0.1',
          port: options.apiPort ?? 0,
          apiKeys: [apiKey],
          corsOrigins: [],
          rateLimitPerMin: 6_000,
        },
      },
      log,
      acceptDevnetProofs: true,
    });
    lifecycle.defer('API', () => api.close());

    stage('keeper');
    const keeper = await startKeeperLoop(
      {
        rpcUrl: anvil.rpcUrl,
        chainId: anvil.chainId,
        key: keys[operatorCount + 2]!,
        registry: base.datasetRegistry,
        everyMs: 2_000,
        log,
      },
      lifecycle,
    );

    await writeFile(dir('secrets.example.json'), `${JSON.stringify(fixtureSecrets('Bearer <token>'), null, 2)}\n`);

    return {
      rpcUrl: anvil.rpcUrl,
      chainId: anvil.chainId,
      deployment,
      datasetRegistry: base.datasetRegistry,
      keeper,
      keys,
      deployer,
      database,
      ipfs,
      operators,
      restartOperator,
      aggregator,
      api: { url: api.url, key: apiKey },
      trust,
      site,
      fixtureToken,
      ssrf,
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
