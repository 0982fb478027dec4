// `veritas api`: the HTTP API and provenance pages as a standalone server over the configured database, IPFS and chain.
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig, required } from '../../core/config.ts';
import { createOutput } from '../output.ts';
import { checkDeploymentChain } from './chain.ts';
import { openComponentIpfs } from './ipfs.ts';

export function register(program: Command): void {
  program
    .command('api')
    .description('serve the HTTP API (/v1, /openapi.json, /docs) and the provenance pages')
    .option('--host <host>', 'listen address (VERITAS_API_HOST)')
    .option('--port <port>', 'listen port (VERITAS_API_PORT)')
    .option(
      '--deployment <file>',
      'deployment file from `veritas deploy` (VERITAS_DEPLOYMENT) instead of the addresses',
    )
    .action(async (opts: { host?: string; port?: string; deployment?: string }, self: Command) => {
      // loaded when the command runs, so `--help` and the client commands start without Helia, tlsn or the database
      const { createVeritasPublicClient, createVeritasWalletClient, fetchChainId } = await import(
        '../../core/chain/clients.ts'
      );
      const { openDatabase } = await import('../../core/db/client.ts');
      const { initLogger } = await import('../../core/log.ts');
      const { startApi } = await import('../../api/app.ts');
      const config = loadConfig({
        ...process.env,
        ...(opts.host ? { VERITAS_API_HOST: opts.host } : {}),
        ...(opts.port ? { VERITAS_API_PORT: opts.port } : {}),
        ...(opts.deployment ? { VERITAS_DEPLOYMENT: opts.deployment } : {}),
      });
      const out = createOutput({
        json: self.optsWithGlobals<{ json?: boolean }>().json === true,
        color: config.cli.color,
      });
      const log = initLogger({ level: config.logLevel });
      const rpcUrl = required(config.chain.rpcUrl, 'VERITAS_RPC_URL', 'to read the chain');
      const hubAddress = required(config.chain.hubAddress, 'VERITAS_HUB_ADDRESS', 'to know which OracleHub to serve');
      const chainId = await fetchChainId(rpcUrl);
      checkDeploymentChain(config, chainId);
      const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, log });
      const ipfs = await openComponentIpfs(config, join(config.dataDir, 'ipfs-api'), log);
      const api = await startApi(
        {
          db: db.db,
          ipfs,
          chain: {
            publicClient: createVeritasPublicClient(rpcUrl, chainId),
            walletClient: config.chain.privateKey
              ? createVeritasWalletClient(rpcUrl, chainId, config.chain.privateKey)
              : undefined,
            hubAddress,
            chainId,
            datasetRegistry: config.chain.datasetRegistryAddress,
          },
          config,
          log,
          acceptDevnetProofs: config.acceptDevnetProofs,
        },
        {
          // operators keep their own databases: their stages come from their event feeds (core/operator-events.ts);
          // private addresses only on a devnet (the flag that accepts devnet proofs)
          followOperators: { allowPrivate: config.acceptDevnetProofs },
        },
      );
      out.data(
        { event: 'up', url: api.url, ipfs: ipfs.multiaddrs },
        `Veritas API on ${api.url}  (docs: ${api.url}/docs, pages: ${api.url}/)`,
      );
      const signal = await new Promise<string>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      await api.close();
      await ipfs.stop();
      await db.close();
      process.stderr.write(`${signal}: API stopped.\n`);
    });
}
