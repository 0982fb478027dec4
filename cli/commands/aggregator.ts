// `veritas aggregator`: verifies every response's bundle, aggregates, pins reports and fulfils requests on-chain.
import { join } from 'node:path';
import type { Command } from 'commander';
import { required } from '../../core/config.ts';
import { createOutput } from '../output.ts';
import { VeritasError } from '../../core/errors.ts';
import { checkDeploymentChain, configWithFlags, signingKey } from './chain.ts';
import { openComponentIpfs } from './ipfs.ts';
import { pollMs } from '../options.ts';

export function register(program: Command): void {
  program
    .command('aggregator')
    .description('re-verify bundles, aggregate under each spec’s policy, pin reports and fulfil requests on-chain')
    .option(
      '--from-block <n>',
      'first block to index when the database has no cursor (default: the deployment file’s, else 0)',
    )
    .option(
      '--deployment <file>',
      'deployment file from `veritas deploy` (VERITAS_DEPLOYMENT) instead of the addresses',
    )
    .option('--poll <ms>', 'milliseconds between passes', '500')
    .option('--health-port <port>', '/healthz, /readyz, /metrics on this port (VERITAS_HEALTH_PORT; 0 = any free port)')
    .action(
      async (opts: { fromBlock?: string; poll: string; healthPort?: string; deployment?: string }, self: Command) => {
        // loaded when the command runs, so `--help` and the client commands start without Helia, tlsn or the database
        const { startAggregator } = await import('../../aggregator/service.ts');
        const { startAggregatorHealth } = await import('../../aggregator/health.ts');
        const { createVeritasPublicClient, createVeritasWalletClient, fetchChainId } = await import(
          '../../core/chain/clients.ts'
        );
        const { openDatabase } = await import('../../core/db/client.ts');
        const { initLogger } = await import('../../core/log.ts');
        const config = configWithFlags(opts);
        const out = createOutput({
          json: self.optsWithGlobals<{ json?: boolean }>().json === true,
          color: config.cli.color,
        });
        const log = initLogger({ level: config.logLevel });
        const rpcUrl = required(config.chain.rpcUrl, 'VERITAS_RPC_URL', 'to read and write the chain');
        const hub = required(
          config.chain.hubAddress,
          'VERITAS_HUB_ADDRESS',
          'to know which OracleHub to aggregate for',
        );
        const privateKey = await signingKey(config, {}, 'to send fulfil transactions as the hub’s aggregator');
        if (opts.fromBlock !== undefined && !/^\d+$/.test(opts.fromBlock))
          throw new VeritasError('INPUT_INVALID', '--from-block must be a block number', { field: '--from-block' });
        const fromBlock = BigInt(opts.fromBlock ?? config.chain.deployment?.fromBlock ?? 0);
        const chainId = await fetchChainId(rpcUrl);
        checkDeploymentChain(config, chainId);
        const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, log });
        const ipfs = await openComponentIpfs(config, join(config.dataDir, 'ipfs-aggregator'), log);
        const publicClient = createVeritasPublicClient(rpcUrl, chainId);
        const healthPort = opts.healthPort !== undefined ? Number(opts.healthPort) : config.health.port;
        if (healthPort !== undefined && !(Number.isInteger(healthPort) && healthPort >= 0 && healthPort < 65536))
          throw new VeritasError('INPUT_INVALID', '--health-port must be a port number', { field: '--health-port' });
        // listening before the first pass, so /readyz answers 503 until the aggregator has caught up
        const health =
          healthPort === undefined
            ? undefined
            : await startAggregatorHealth({ host: config.health.host, port: healthPort, db: db.db, publicClient });
        const aggregator = startAggregator({
          db: db.db,
          ipfs,
          publicClient,
          ...(health ? { onPass: health.onPass } : {}),
          walletClient: createVeritasWalletClient(rpcUrl, chainId, privateKey),
          hub,
          fromBlock,
          policy: { acceptDevnetProofs: config.acceptDevnetProofs },
          log,
          pollIntervalMs: pollMs(opts.poll),
        });
        out.data(
          {
            event: 'up',
            hub,
            chainId,
            acceptDevnetProofs: config.acceptDevnetProofs,
            health: health?.server.url ?? null,
            ipfs: ipfs.multiaddrs,
          },
          `Veritas aggregator for OracleHub ${hub} on chain ${chainId} (devnet proofs ${config.acceptDevnetProofs ? 'accepted' : 'refused'})`,
        );
        const signal = await new Promise<string>((resolve) => {
          process.once('SIGINT', () => resolve('SIGINT'));
          process.once('SIGTERM', () => resolve('SIGTERM'));
        });
        await aggregator.stop();
        await health?.server.close();
        await ipfs.stop();
        await db.close();
        process.stderr.write(`${signal}: aggregator stopped.\n`);
      },
    );
}
