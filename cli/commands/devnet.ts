// `veritas devnet` (= `npm start`): runs the whole network locally — by default each component its own OS process
// under a supervisor that shows its state and reports a crash — prints where to look, stops cleanly on Ctrl-C.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Devnet, DevnetMode } from '../devnet.ts';
import type { ProcessDevnet } from '../devnet-processes.ts';
import { commandContext } from '../output.ts';

export function register(program: Command): void {
  program
    .command('devnet')
    .description(
      'run the whole network locally: chain, fixture site, operators, aggregator, API and keeper as supervised processes',
    )
    .option('--operators <n>', 'how many operators (at least 2)', '3')
    .option('--in-process', 'everything in this one process with one database (what the tests hook into)')
    .action(async (opts: { operators: string; inProcess?: boolean }, self: Command) => {
      // loaded when the command runs, so `--help` and the client commands start without Helia, tlsn or the database
      const { initLogger } = await import('../../core/log.ts');
      const { devnetDataDir, startDevnet, FIXTURE_HOST, FIXTURE_SECRET_REF } = await import('../devnet.ts');
      const { describeState } = await import('../supervisor.ts');
      const { config, out } = commandContext(self);
      await mkdir(config.dataDir, { recursive: true });
      // Logs go to files so the terminal shows progress and endpoints; `tail -f` them to watch the network work.
      const logFile = path.join(config.dataDir, 'devnet.log');
      const log = initLogger({ level: config.logLevel, destination: logFile });
      const started = Date.now();
      const common = {
        dataDir: devnetDataDir(config.dataDir),
        log,
        databaseUrl: config.databaseUrl,
        operators: Number(opts.operators),
        apiPort: config.api.port,
        ...(config.api.apiKeys?.[0] ? { apiKey: config.api.apiKeys[0] } : {}),
        // Every party is on this machine: Latency mode (fewer round trips, more bytes) is the cheaper one on loopback
        // (operator/tlsn/README.md's matrix); two warm parties skip process start and wasm compile per session.
        tuning: {
          threads: config.tlsn.threads,
          network: config.tlsn.network ?? 'Latency',
          warm: config.tlsn.warm ?? 2,
        },
        onStage: (s: string) => out.note('starting', { stage: s }, `  starting ${s}…`),
      };
      const fixture = { host: FIXTURE_HOST, secretRef: FIXTURE_SECRET_REF };
      if (opts.inProcess) {
        const devnet = await startDevnet(common);
        out.data(
          upBanner(devnet, {
            mode: 'in-process',
            operators: devnet.operators.map((o) => ({ address: o.address, notaryUrl: o.notaryUrl })),
            logs: logFile,
          }),
          inProcessSummary(devnet, logFile, Date.now() - started, fixture),
        );
        const signal = await devnet.lifecycle.untilSignal();
        process.stderr.write(`\n${signal}: stopped every component.\n`);
        return;
      }
      const devnet = await startDevnet({ ...common, mode: 'processes' });
      // a crash is reported, never hidden by a restart: the devnet runs on with the rest (over-sampling)
      devnet.supervisor.events.on('state', (s) => {
        if (s.state === 'exited')
          out.note(
            'exited',
            { component: s.name, code: s.code ?? null, signal: s.signal ?? null },
            `✗ ${describeState(s)}`,
          );
      });
      out.data(
        upBanner(devnet, {
          mode: 'processes',
          aggregatorHealth: devnet.aggregator.healthUrl ?? null,
          operators: devnet.operators,
          components: devnet.supervisor.states(),
          logs: path.join(devnet.dataDir, 'logs'),
        }),
        processSummary(devnet, Date.now() - started, fixture),
      );
      const signal = await devnet.lifecycle.untilSignal();
      process.stderr.write(`\n${signal}: stopped every component.\n`);
    });
}

/** The JSON `up` line of either composition: what both share, then what only one of them has. */
function upBanner(d: Devnet | ProcessDevnet, { mode, ...own }: { mode: DevnetMode } & Record<string, unknown>) {
  return {
    event: 'up',
    mode,
    api: d.api.url,
    apiKey: d.api.key,
    rpcUrl: d.rpcUrl,
    chainId: d.chainId,
    hub: d.deployment.hub,
    registry: d.deployment.registry,
    datasetRegistry: d.datasetRegistry,
    keeper: d.keeper.address,
    ...own,
  };
}

const pad = (s: string) => s.padEnd(20);

const tryIt = (api: { url: string; key: string }, f: { host: string; secretRef: string }) => [
  'Try it in another terminal:',
  '',
  `  npm run -s veritas -- request https://${f.host}/v1/price --json-path '$.price' --policy median --precision 2 --quorum 2 \\`,
  `      --api ${api.url} --api-key ${api.key} --wait`,
  '',
  `  npm run -s veritas -- request https://${f.host}/v1/private --json-path '$.balance' --quorum 1 \\`,
  `      --secret-header 'Authorization=${f.secretRef}' --api ${api.url} --api-key ${api.key} --wait`,
  '',
];

/** The lines both compositions print first: pages, API, chain and contract addresses. */
function endpointLines(d: Pick<Devnet, 'api' | 'rpcUrl' | 'chainId' | 'deployment' | 'datasetRegistry'>): string[] {
  return [
    `  ${pad('provenance pages')}${d.api.url}/`,
    `  ${pad('HTTP API')}${d.api.url}/v1   (docs ${d.api.url}/docs, OpenAPI ${d.api.url}/openapi.json, API key "${d.api.key}")`,
    `  ${pad('chain (anvil)')}${d.rpcUrl}   chainId ${d.chainId}`,
    `  ${pad('OracleHub')}${d.deployment.hub}`,
    `  ${pad('OperatorRegistry')}${d.deployment.registry}`,
    `  ${pad('DatasetRegistry')}${d.datasetRegistry}`,
  ];
}

function processSummary(d: ProcessDevnet, ms: number, f: { host: string; secretRef: string }): string {
  const logs = path.join(d.dataDir, 'logs');
  const lines = [
    '',
    `Veritas devnet is up (${(ms / 1000).toFixed(1)} s): each component its own process. Ctrl-C stops them all.`,
    '',
    ...endpointLines(d),
    ...d.operators.map(
      (o) =>
        `  ${pad(o.name)}${o.address}   notary ${o.notaryUrl}   (health ${o.notaryUrl.replace(/^ws/, 'http')}/readyz)`,
    ),
    `  ${pad('aggregator')}health ${d.aggregator.healthUrl ?? '(none)'}/readyz`,
    `  ${pad('keeper')}${d.keeper.address}   pokes due feeds every 2 s`,
    `  ${pad('fixture source')}https://${f.host} → 127.0.0.1:${d.site.port} (devnet trust anchor)`,
    `  ${pad('database')}${d.database.url}   (${d.database.kind === 'external' ? 'fresh database on DATABASE_URL' : 'private PostgreSQL'}; operators: embedded PGlite each)`,
    `  ${pad('data directory')}${d.dataDir}`,
    `  ${pad('logs')}${logs}/<component>.log`,
    '',
    'Components:',
    ...d.supervisor.states().map((s) => `  ${pad(s.name)}${s.state}   pid ${s.pid ?? '-'}`),
    '',
    ...tryIt(d.api, f),
  ];
  return `${lines.join('\n')}\n`;
}

function inProcessSummary(d: Devnet, logFile: string, ms: number, f: { host: string; secretRef: string }): string {
  const lines = [
    '',
    `Veritas devnet is up in one process (${(ms / 1000).toFixed(1)} s). Ctrl-C stops everything.`,
    '',
    ...endpointLines(d),
    ...d.operators.map((o, i) => `  ${pad(`operator ${i + 1}`)}${o.address}   notary ${o.notaryUrl}`),
    `  ${pad('keeper')}${d.keeper.address}   pokes due feeds every 2 s`,
    `  ${pad('fixture source')}https://${f.host} → 127.0.0.1:${d.site.port} (devnet trust anchor)`,
    `  ${pad('database')}${d.database.url}${d.database.embedded ? '   (embedded PGlite)' : ''}`,
    `  ${pad('IPFS gateway node')}${d.ipfs.multiaddrs[0] ?? '(offline)'}`,
    `  ${pad('data directory')}${d.dataDir}`,
    `  ${pad('logs')}${logFile}`,
    '',
    ...tryIt(d.api, f),
  ];
  return `${lines.join('\n')}\n`;
}
