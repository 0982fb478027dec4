// The devnet as separate OS processes (what `veritas devnet` / `npm start` runs): each operator runs exactly
// `veritas operator` with its own key, data directory (its own embedded database and Helia node) and notary port;
// the aggregator, the API and the keeper run as `veritas aggregator`, `veritas api`, `veritas keeper`. They are
// configured only through the documented environment and find one another only through the chain (registry
// metadata) and IPFS (VERITAS_IPFS_PEERS). The supervisor (cli/supervisor.ts) starts, watches and stops them.
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateKeyToAccount } from 'viem/accounts';
import type { Address, Hex } from 'viem';
import type { VeritasDeployment } from '../core/chain/contracts.ts';
import { VeritasError } from '../core/errors.ts';
import { DEVNET_POLL_MS, FIXTURE_HOST, fixtureSecrets, startDevnetBase, type DevnetOptions } from './devnet.ts';
import type { FixtureSite } from './devnet-site.ts';
import { findPostgresBin, freshExternalDatabase, localServer, untilAccepting } from './devnet-postgres.ts';
import { createLifecycle, type Lifecycle } from './lifecycle.ts';
import { createSupervisor, type Supervisor } from './supervisor.ts';

const VERITAS = fileURLToPath(new URL('./veritas.ts', import.meta.url));

export type ProcessDevnetOptions = DevnetOptions & {
  /**
   * Per operator (0-based): the notary's listen host and the address it is reached at, and an optional command
   * prefix it runs under (the multi-host test: `ip netns exec <ns>`); default 127.0.0.1 and none.
   */
  operatorHosts?: (i: number) => { host: string; prefix?: string[] };
  /** The address the API, aggregator and fixture site are reached at from the operators (default 127.0.0.1). */
  hubHost?: string;
};

export type ProcessDevnet = {
  mode: 'processes';
  rpcUrl: string;
  chainId: number;
  deployment: VeritasDeployment;
  datasetRegistry: Address;
  keys: Hex[];
  api: { url: string; key: string };
  operators: { name: string; address: Address; notaryUrl: string; pid: number | undefined }[];
  aggregator: { healthUrl: string | undefined };
  keeper: { address: Address };
  database: { url: string; kind: 'external' | 'local-server' };
  site: FixtureSite;
  fixtureToken: string;
  supervisor: Supervisor;
  dataDir: string;
  lifecycle: Lifecycle;
  stop(): Promise<void>;
};

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function startProcessDevnet(options: ProcessDevnetOptions): Promise<ProcessDevnet> {
  const { log } = options;
  const stage = options.onStage ?? (() => {});
  const n = options.operators ?? 3;
  const lifecycle = createLifecycle((name, e) => log.error({ err: e, resource: name }, 'stopping failed'));
  const supervisor = createSupervisor();
  const dir = (...p: string[]) => path.join(options.dataDir, ...p);
  const hubHost = options.hubHost ?? '127.0.0.1';
  try {
    const base = await startDevnetBase({ ...options, operators: n, host: hubHost }, lifecycle);
    // stopped before the chain and the site go (lifecycle is last-in, first-out)
    lifecycle.defer('components', () => supervisor.stop());
    const { keys, deployment } = base;
    const common = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      VERITAS_LOG_LEVEL: log.level === 'silent' ? 'info' : log.level,
      VERITAS_RPC_URL: base.rpcUrl,
      VERITAS_HUB_ADDRESS: deployment.hub,
      VERITAS_REGISTRY_ADDRESS: deployment.registry,
      VERITAS_DATASET_REGISTRY_ADDRESS: base.datasetRegistry,
      ...(options.tuning?.threads ? { VERITAS_TLSN_THREADS: String(options.tuning.threads) } : {}),
      ...(options.tuning?.network ? { VERITAS_TLSN_NETWORK: options.tuning.network } : {}),
      ...(options.tuning?.warm ? { VERITAS_TLSN_WARM: String(options.tuning.warm) } : {}),
      // six MPC parties share this machine's cores: give a stage longer than a dedicated operator's default
      VERITAS_SESSION_TIMEOUT_MS: String(options.sessionTimeoutMs ?? 300_000),
    };
    const veritas = (name: string, args: string[], env: Record<string, string>, prefix: string[] = []) => {
      // `veritas --json <command> …`: the command is the component's name without its number
      const argv = [...process.execArgv, VERITAS, '--json', name.replace(/-\d+$/, ''), ...args];
      const [command, ...rest] =
        prefix.length > 0 ? [...prefix, process.execPath, ...argv] : [process.execPath, ...argv];
      return { name, command: command!, args: rest, env: { ...common, ...env }, logFile: dir('logs', `${name}.log`) };
    };
    await import('node:fs/promises').then((fs) => fs.mkdir(dir('logs'), { recursive: true }));
    // every 250 ms, four times a devnet block (startDevnetBase), not a production chain's 1 s default
    const poll = ['--poll', String(DEVNET_POLL_MS)];

    stage('database (PostgreSQL for the aggregator and the API)');
    let database: ProcessDevnet['database'];
    if (options.databaseUrl) database = await freshExternalDatabase(options.databaseUrl, lifecycle);
    else {
      const bin = findPostgresBin();
      if (!bin)
        throw new VeritasError(
          'CONFIG_INVALID',
          'the process devnet needs PostgreSQL for the aggregator and the API: set DATABASE_URL, install postgresql, ' +
            'or run `veritas devnet --in-process`',
          { field: 'DATABASE_URL' },
        );
      const server = await localServer(bin, dir('postgres'), await freePort());
      // deferred after the components, so it runs before them: stop them (the server among them) first
      lifecycle.defer('devnet database files', async () => {
        await supervisor.stop();
        await server.cleanup();
      });
      await supervisor.start({ ...server.spec, logFile: dir('logs', 'database.log') });
      await untilAccepting(server.url);
      database = { url: server.url, kind: 'local-server' };
    }

    stage('API (veritas api)');
    const apiKey = options.apiKey ?? 'devnet';
    const api = await supervisor.start({
      ...veritas('api', [], {
        VERITAS_DATA_DIR: dir('api'),
        DATABASE_URL: database.url,
        VERITAS_PRIVATE_KEY: keys[n + 1]!,
        VERITAS_API_HOST: hubHost,
        VERITAS_API_PORT: String(options.apiPort ?? 0),
        VERITAS_API_KEYS: apiKey,
        VERITAS_RATE_LIMIT_PER_MIN: '6000',
        VERITAS_ACCEPT_DEVNET_PROOFS: '1',
        VERITAS_IPFS_NETWORK: hubHost === '127.0.0.1' ? 'loopback' : 'public',
        ...(hubHost === '127.0.0.1' ? {} : { VERITAS_IPFS_LISTEN: `/ip4/${hubHost}/tcp/0` }),
      }),
      ready: { kind: 'up', readyUrl: (up) => `${String(up.url)}/readyz` },
    });
    const apiUrl = String(api.up?.url);
    const peersOf = (...states: { up?: Record<string, unknown> }[]) =>
      states.flatMap((s) => ((s.up?.ipfs as string[] | undefined) ?? []).slice(0, 1)).join(',');

    stage('aggregator (veritas aggregator)');
    const aggregator = await supervisor.start({
      ...veritas('aggregator', ['--from-block', String(deployment.deployBlock), '--health-port', '0', ...poll], {
        VERITAS_DATA_DIR: dir('aggregator'),
        DATABASE_URL: database.url,
        VERITAS_PRIVATE_KEY: keys[0]!,
        VERITAS_ACCEPT_DEVNET_PROOFS: '1',
        VERITAS_HEALTH_HOST: hubHost,
        VERITAS_IPFS_NETWORK: hubHost === '127.0.0.1' ? 'loopback' : 'public',
        ...(hubHost === '127.0.0.1' ? {} : { VERITAS_IPFS_LISTEN: `/ip4/${hubHost}/tcp/0` }),
        VERITAS_IPFS_PEERS: peersOf(api),
      }),
      ready: { kind: 'up', readyUrl: (up) => (up.health ? `${String(up.health)}/readyz` : undefined) },
    });

    // the fixture token lives only in the operators' secret files
    const secretsFile = dir('secrets.json');
    await writeFile(secretsFile, `${JSON.stringify(fixtureSecrets(`Bearer ${base.fixtureToken}`), null, 2)}\n`, {
      mode: 0o600,
    });
    await writeFile(dir('secrets.example.json'), `${JSON.stringify(fixtureSecrets('Bearer <token>'), null, 2)}\n`);

    stage(`${n} operators (veritas operator)`);
    const operators = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const where = options.operatorHosts?.(i) ?? { host: '127.0.0.1' };
        const local = where.host === '127.0.0.1';
        const name = `operator-${i + 1}`;
        const state = await supervisor.start({
          ...veritas(
            name,
            ['--register', '1', '--name', `devnet-${name}`, '--from-block', String(deployment.deployBlock), ...poll],
            {
              VERITAS_DATA_DIR: dir('operators', String(i + 1)),
              VERITAS_PRIVATE_KEY: keys[i + 1]!,
              VERITAS_TRUST: 'devnet',
              VERITAS_TLSN_WASM: base.trust.wasmPath,
              VERITAS_NOTARY_HOST: where.host,
              VERITAS_NOTARY_PORT: String(await freePort(local ? '127.0.0.1' : '0.0.0.0')),
              VERITAS_SSRF_ALLOW: `${FIXTURE_HOST}=${hubHost}:${base.site.port}`,
              VERITAS_SECRETS_FILE: secretsFile,
              VERITAS_IPFS_NETWORK: local ? 'loopback' : 'public',
              ...(local ? {} : { VERITAS_IPFS_LISTEN: `/ip4/${where.host}/tcp/0` }),
              VERITAS_IPFS_PEERS: peersOf(api, aggregator),
            },
            where.prefix,
          ),
          ready: { kind: 'up', readyUrl: (up) => `${String(up.notaryUrl).replace(/^ws/, 'http')}/readyz` },
        });
        return {
          name,
          address: privateKeyToAccount(keys[i + 1]!).address,
          notaryUrl: String(state.up?.notaryUrl),
          pid: state.pid,
        };
      }),
    );

    stage('keeper (veritas keeper)');
    const keeperKey = keys[n + 2]!;
    await supervisor.start({
      ...veritas('keeper', ['--every', '2'], { VERITAS_PRIVATE_KEY: keeperKey }),
      ready: { kind: 'spawned' },
    });

    return {
      mode: 'processes',
      rpcUrl: base.rpcUrl,
      chainId: base.chainId,
      deployment,
      datasetRegistry: base.datasetRegistry,
      keys,
      api: { url: apiUrl, key: apiKey },
      operators,
      aggregator: { healthUrl: aggregator.up?.health as string | undefined },
      keeper: { address: privateKeyToAccount(keeperKey).address },
      database,
      site: base.site,
      fixtureToken: base.fixtureToken,
      supervisor,
      dataDir: options.dataDir,
      lifecycle,
      stop: () => lifecycle.stop(),
    };
  } catch (e) {
    await lifecycle.stop();
    await supervisor.stop();
    throw e;
  }
}
