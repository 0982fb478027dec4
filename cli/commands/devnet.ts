// `veritas devnet` (= `npm start`): runs the whole network locally, prints where to look, stops cleanly on Ctrl-C.
import type { Command } from 'commander';
import { loadConfig } from '../../core/config.ts';
import { initLogger } from '../../core/log.ts';
import { devnetDataDir, startDevnet, type Devnet } from '../devnet.ts';

export function register(program: Command): void {
  program
    .command('devnet')
    .description('run the whole network locally: chain, database, IPFS, operators, aggregator, API')
    .action(async () => {
      const config = loadConfig(process.env);
      // Logs go to a file so the terminal shows progress and endpoints; `tail -f` it to watch the network work.
      const dataDir = devnetDataDir(config.dataDir);
      const logFile = `${config.dataDir}/devnet.log`;
      await import('node:fs/promises').then((fs) => fs.mkdir(config.dataDir, { recursive: true }));
      const log = initLogger({ level: config.logLevel, destination: logFile });
      const started = Date.now();
      const devnet = await startDevnet({
        dataDir,
        log,
        databaseUrl: config.databaseUrl,
        onStage: (s) => process.stderr.write(`  starting ${s}…\n`),
      });
      process.stdout.write(summary(devnet, logFile, Date.now() - started));
      const signal = await devnet.lifecycle.untilSignal();
      process.stderr.write(`\n${signal}: stopped every component.\n`);
    });
}

function summary(d: Devnet, logFile: string, ms: number): string {
  const lines = [
    '',
    `Veritas devnet is up (${(ms / 1000).toFixed(1)} s). Ctrl-C stops everything.`,
    '',
    `  chain (anvil)      ${d.rpcUrl}  chainId ${d.chainId}`,
    `  OracleHub          ${d.deployment.hub}`,
    `  OperatorRegistry   ${d.deployment.registry}`,
    `  database           ${d.database.url}${d.database.embedded ? '  (embedded PGlite)' : ''}`,
    `  data directory     ${d.dataDir}`,
    `  logs               ${logFile}`,
    '',
  ];
  return `${lines.join('\n')}\n`;
}
