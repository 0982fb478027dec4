// Beyond the devnet: `veritas deploy` to a fresh anvil (not the devnet's), then every component as its own OS
// process started only with the documented command and environment — two `veritas operator`s (each its own key,
// data directory, embedded database and Helia node), `veritas aggregator` and `veritas api` (sharing one PostgreSQL,
// as the README's Configuration says they must) — and a request fulfilled through them under real MPC-TLS.
// Run it under the shared MPC lock: flock /tmp/veritas-mpc.lock node --test … test/e2e/deploy.test.ts
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Hex } from 'viem';
import { type Anvil, startAnvil } from '../../core/chain/anvil.ts';
import { createVeritasPublicClient } from '../../core/chain/clients.ts';
import { getOracleHub } from '../../core/chain/contracts.ts';
import { DeploymentFile } from '../../core/chain/deployment-file.ts';
import { FIXTURE_HOST, fixtureSecrets, privateBalanceSpec } from '../../cli/devnet.ts';
import { EXIT } from '../../cli/exit.ts';
import { startTestSite, type TestSite } from '../support/site.ts';
import { CLI, jsonl, veritas } from '../cli/run.ts';

const API_KEY = 'e2e-deploy-key';
let dir: string;
let anvil: Anvil;
let site: TestSite;
let pg: { url: string; stop(): Promise<void> };
let deployment: DeploymentFile;
let deploymentFile: string;
let apiUrl: string;
const children: { name: string; child: ChildProcess; exited: Promise<void> }[] = [];

/** Starts `veritas <args>` as its own process and resolves with its `up` line (stdout, JSON Lines with --json). */
async function component(name: string, args: string[], env: Record<string, string>): Promise<Record<string, unknown>> {
  const logFile = path.join(dir, `${name}.log`);
  const child = spawn(process.execPath, [CLI, ...args, '--json'], {
    env: { PATH: process.env.PATH ?? '', VERITAS_LOG_LEVEL: process.env.VERITAS_TEST_LOG ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  children.push({ name, child, exited });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => {
    log += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`${name} exited with ${code} before it was up:\n${log.slice(-4000)}`)),
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      log += `${line}\n`;
      void writeFile(logFile, log);
      let event: Record<string, unknown>;
      try {
        event = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (event.event === 'up') resolve(event);
    });
  });
}

/** A PostgreSQL for the aggregator and the API: DATABASE_URL's server (CI), else one started here (as CI does). */
async function startPostgres(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const { testDatabase } = await import('../support/database.ts');
    const { pino } = await import('pino');
    const db = await testDatabase({ dataDir: dir, log: pino({ level: 'silent' }) });
    return { url: db.url!, stop: () => db.drop() };
  }
  const data = path.join(dir, 'pg');
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  // initdb refuses to run as root: run the server as `postgres`, as .ci/run does
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'ignore' })
      : execFileSync(cmd, args, { stdio: 'ignore' });
  await mkdir(data);
  if (asRoot) execFileSync('chown', ['postgres', data]);
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres']);
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${data}`;
  run('pg_ctl', ['-D', data, '-l', path.join(data, 'server.log'), '-w', '-o', options, 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => void run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
  };
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'veritas-e2e-deploy-'));
  await chmod(dir, 0o755);
  site = await startTestSite();
  // a chain of its own, mining every second so assignments come due without other traffic
  anvil = await startAnvil({ accounts: 5, blockTime: 1 });
  pg = await startPostgres();
  const [deployer, op1, op2, consumer] = anvil.accounts as [Hex, Hex, Hex, Hex];

  const deployed = await veritas(
    ['deploy', '--rpc', anvil.rpcUrl, '--assign-delay', '1', '--min-fee-per-prover', '1gwei', '--yes'],
    { VERITAS_PRIVATE_KEY: deployer },
    { cwd: dir },
  );
  assert.equal(deployed.code, EXIT.OK, deployed.stderr);
  // the lines `veritas deploy` printed are the environment every component gets
  const printed = Object.fromEntries(
    deployed.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );
  deploymentFile = printed.VERITAS_DEPLOYMENT!;
  deployment = DeploymentFile.parse(JSON.parse(await readFile(deploymentFile, 'utf8')));
  const chainEnv = { VERITAS_RPC_URL: printed.VERITAS_RPC_URL!, VERITAS_DEPLOYMENT: deploymentFile };

  const api = await component('api', ['api'], {
    ...chainEnv,
    VERITAS_DATA_DIR: path.join(dir, 'api'),
    DATABASE_URL: pg.url,
    VERITAS_API_PORT: '0',
    VERITAS_API_KEYS: API_KEY,
    VERITAS_PRIVATE_KEY: consumer,
    VERITAS_ACCEPT_DEVNET_PROOFS: 'true',
  });
  apiUrl = String(api.url);
  const secrets = path.join(dir, 'secrets.json');
  await writeFile(secrets, JSON.stringify(fixtureSecrets(`Bearer ${site.token}`)), { mode: 0o600 });
  const operators: Record<string, unknown>[] = [];
  for (const [i, key] of [op1, op2].entries())
    operators.push(
      await component(`operator-${i + 1}`, ['operator', '--register', '1', '--name', `e2e-${i + 1}`], {
        ...chainEnv,
        VERITAS_PRIVATE_KEY: key,
        VERITAS_DATA_DIR: path.join(dir, `operator-${i + 1}`),
        VERITAS_TRUST: 'devnet',
        VERITAS_TLSN_WASM: site.trust.wasmPath,
        VERITAS_SECRETS_FILE: secrets,
        VERITAS_SSRF_ALLOW: `${FIXTURE_HOST}=127.0.0.1:${site.site.port}`,
        // specs are pinned on the API's node
        VERITAS_IPFS_PEERS: (api.ipfs as string[])[0]!,
        VERITAS_SESSION_TIMEOUT_MS: '600000',
      }),
    );
  await component('aggregator', ['aggregator'], {
    ...chainEnv,
    VERITAS_PRIVATE_KEY: deployer,
    VERITAS_DATA_DIR: path.join(dir, 'aggregator'),
    DATABASE_URL: pg.url,
    VERITAS_ACCEPT_DEVNET_PROOFS: 'true',
    // bundles are pinned on the operators' nodes, specs on the API's
    VERITAS_IPFS_PEERS: [api, ...operators].map((c) => (c.ipfs as string[])[0]!).join(','),
  });
});

after(async () => {
  for (const { child, exited } of children.reverse()) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  }
  await anvil?.stop();
  await site?.close();
  await pg?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('deployed with `veritas deploy`, run as separate processes: a quorum-1 request is fulfilled under MPC-TLS', async () => {
  const chainNow = Number((await createVeritasPublicClient(anvil.rpcUrl, anvil.chainId).getBlock()).timestamp);
  const specFile = path.join(dir, 'spec.json');
  await writeFile(specFile, JSON.stringify(privateBalanceSpec(1, chainNow + 3_600)));
  const run = await veritas(['request', '--spec', specFile, '--wait', '--json'], {
    VERITAS_API_URL: apiUrl,
    VERITAS_API_KEY: API_KEY,
  });
  assert.equal(run.code, EXIT.OK, `${run.stderr}\n${children.map((c) => c.name).join(', ')} logs in ${dir}`);
  const [record] = jsonl(run.stdout);
  const created = jsonl(run.stderr).find((e) => e.event === 'created')!;
  const requestId = String(created.requestId) as Hex;
  const { value, sources } = record!.record as { value: number; sources: { prover: string; notary: string }[] };
  assert.equal(typeof value, 'number');
  assert.equal(sources.length, 1);
  assert.notEqual(sources[0]!.prover.toLowerCase(), sources[0]!.notary.toLowerCase());
  // the root the CLI printed is the one the hub holds
  const hub = getOracleHub(deployment.contracts.OracleHub.address, {
    publicClient: createVeritasPublicClient(anvil.rpcUrl, anvil.chainId),
  });
  const onChain = await hub.read.getRequest([requestId]);
  assert.equal(onChain.merkleRoot, record!.merkleRoot);
});
