// `veritas devnet` (= `npm start`): runs the whole network locally, prints where to look, stops cleanly on Ctrl-C.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Devnet } from '../devnet.ts';
import { commandContext } from '../output.ts';

export function register(program: Command): void {
  program
    .command('devnet')
    .description('run the whole network locally: chain, database, IPFS, operators, aggregator, API')
    .option('--operators <n>', 'how many operators (at least 2)', '3')
    .action(async (opts: { operators: string }, self: Command) => {
      // loaded when the command runs, so `--help` and the client commands start without Helia, tlsn or the database
      const { initLogger } = await import('../../core/log.ts');
      const { devnetDataDir, startDevnet, FIXTURE_HOST, FIXTURE_SECRET_REF } = await import('../devnet.ts');
      const { config, out } = commandContext(self);
      await mkdir(config.dataDir, { recursive: true });
      // Logs go to a file so the terminal shows progress and endpoints; `tail -f` it to watch the network work.
      const logFile = path.join(config.dataDir, 'devnet.log');
      const log = initLogger({ level: config.logLevel, destination: logFile });
      const started = Date.now();
      const devnet = await startDevnet({
        dataDir: devnetDataDir(config.dataDir),
        log,
        databaseUrl: config.databaseUrl,
        operators: Number(opts.operators),
        apiPort: config.api.port,
        ...(config.api.apiKeys?.[0] ? { apiKey: config.api.apiKeys[0] } : {}),
        tuning: { threads: config.tlsn.threads },
        onStage: (s) => process.stderr.write(`  starting ${s}…\n`),
      });
      out.data(
        {
          event: 'up',
          api: devnet.api.url,
          apiKey: devnet.api.key,
          rpcUrl: devnet.rpcUrl,
          chainId: devnet.chainId,
          hub: devnet.deployment.hub,
          registry: devnet.deployment.registry,
          operators: devnet.operators.map((o) => ({ address: o.address, notaryUrl: o.notaryUrl })),
          logs: logFile,
        },
        summary(devnet, logFile, Date.now() - started, { host: FIXTURE_HOST, secretRef: FIXTURE_SECRET_REF }),
      );
      const signal = await devnet.lifecycle.untilSignal();
      process.stderr.write(`\n${signal}: stopped every component.\n`);
    });
}

function summary(d: Devnet, logFile: string, ms: number, f: { host: string; secretRef: string }): string {
  const pad = (s: string) => s.padEnd(20);
  const lines = [
    '',
    `Veritas devnet is up (${(ms / 1000).toFixed(1)} s). Ctrl-C stops everything.`,
    '',
    `  ${pad('provenance pages')}${d.api.url}/`,
    `  ${pad('HTTP API')}${d.api.url}/v1   (docs ${d.api.url}/docs, OpenAPI ${d.api.url}/openapi.json, API key "${d.api.key}")`,
    `  ${pad('chain (anvil)')}${d.rpcUrl}   chainId ${d.chainId}`,
    `  ${pad('OracleHub')}${d.deployment.hub}`,
    `  ${pad('OperatorRegistry')}${d.deployment.registry}`,
    ...d.operators.map((o, i) => `  ${pad(`operator ${i + 1}`)}${o.address}   notary ${o.notaryUrl}`),
    `  ${pad('fixture source')}https://${f.host} → 127.0.0.1:${d.site.port} (devnet trust anchor)`,
    `  ${pad('database')}${d.database.url}${d.database.embedded ? '   (embedded PGlite)' : ''}`,
    `  ${pad('IPFS gateway node')}${d.ipfs.multiaddrs[0] ?? '(offline)'}`,
    `  ${pad('data directory')}${d.dataDir}`,
    `  ${pad('logs')}${logFile}`,
    '',
    'Try it in another terminal:',
    '',
    `  npm run -s veritas -- request https://${f.host}/v1/price --json-path '$.price' --policy median --precision 2 --quorum 2 \\`,
    `      --api ${d.api.url} --api-key ${d.api.key} --wait`,
    '',
    `  npm run -s veritas -- request https://${f.host}/v1/private --json-path '$.balance' --quorum 1 \\`,
    `      --secret-header 'Authorization=${f.secretRef}' --api ${d.api.url} --api-key ${d.api.key} --wait`,
    '',
  ];
  return `${lines.join('\n')}\n`;
}
