// `veritas operator`: runs one operator (notary service, fetcher, SSRF-guarded proxy, Helia node) against a chain;
// its sub-commands (register, bond, unbond, withdraw, status) are the operator's life cycle in the registry.
import path from 'node:path';
import type { Command } from 'commander';
import { required } from '../../core/config.ts';
import { VeritasError } from '../../core/errors.ts';
import { createOutput } from '../output.ts';
import { checkDeploymentChain, configWithFlags, signingKey } from './chain.ts';
import { openComponentIpfs } from './ipfs.ts';
import { registerLifecycle } from './operator-lifecycle.ts';
import { pollMs } from '../options.ts';

export function register(program: Command): void {
  const operator = program
    .command('operator')
    .description(
      'run one operator: notary service (Verifier), fetcher (Prover) with its SSRF-guarded proxy, Helia node',
    )
    .option('--register <ether>', 'register in OperatorRegistry with this bond if not yet active')
    .option('--name <name>', 'a display name in the registry metadata')
    .option(
      '--from-block <n>',
      'first block to scan when the database has no cursor (default: the deployment file’s, else 0)',
    )
    .option(
      '--deployment <file>',
      'deployment file from `veritas deploy` (VERITAS_DEPLOYMENT) instead of the addresses',
    )
    .option('--poll <ms>', 'milliseconds between job scans of the chain', '1000')
    .action(
      async (
        opts: { register?: string; name?: string; fromBlock?: string; deployment?: string; poll: string },
        self: Command,
      ) => {
        // loaded when the command runs, so `--help` and the client commands start without Helia, tlsn or the database
        const { parseEther } = await import('viem');
        const { privateKeyToAccount } = await import('viem/accounts');
        const { connectChain } = await import('../../core/chain/clients.ts');
        const { openDatabase } = await import('../../core/db/client.ts');
        const { initLogger } = await import('../../core/log.ts');
        const { startOperator } = await import('../../operator/index.ts');
        const { loadSecretStore } = await import('../../operator/secrets.ts');
        const { createLifecycle } = await import('../lifecycle.ts');
        const config = configWithFlags(opts);
        const out = createOutput({
          json: self.optsWithGlobals<{ json?: boolean }>().json === true,
          color: config.cli.color,
        });
        if (opts.fromBlock !== undefined && !/^\d+$/.test(opts.fromBlock))
          throw new VeritasError('INPUT_INVALID', '--from-block must be a block number', { field: '--from-block' });
        const fromBlock = BigInt(opts.fromBlock ?? config.chain.deployment?.fromBlock ?? 0);
        const log = initLogger({ level: config.logLevel });
        const rpcUrl = required(config.chain.rpcUrl, 'VERITAS_RPC_URL', 'to watch and answer requests');
        const hub = required(config.chain.hubAddress, 'VERITAS_HUB_ADDRESS', 'to know which OracleHub to serve');
        const registry = required(config.chain.registryAddress, 'VERITAS_REGISTRY_ADDRESS', 'to find notaries');
        const privateKey = await signingKey(config, {}, 'as the operator key (it signs attestations and responses)');
        if (config.trust === 'devnet' && !config.tlsnWasm)
          throw new VeritasError(
            'CONFIG_INVALID',
            'VERITAS_TLSN_WASM is required with VERITAS_TRUST=devnet (the devnet’s patched wasm)',
            { field: 'VERITAS_TLSN_WASM' },
          );
        if (config.trust === 'webpki' && config.tlsnWasm)
          throw new VeritasError('CONFIG_INVALID', 'VERITAS_TLSN_WASM only goes with VERITAS_TRUST=devnet', {
            field: 'VERITAS_TLSN_WASM',
          });

        const account = privateKeyToAccount(privateKey);
        const dataDir = path.join(config.dataDir, 'operator', account.address.toLowerCase());
        const lifecycle = createLifecycle((name, e) => log.error({ err: e, resource: name }, 'stopping failed'));
        try {
          const chain = await connectChain(rpcUrl, privateKey);
          checkDeploymentChain(config, chain.publicClient.chain.id);
          const database = await openDatabase({ url: config.databaseUrl, dataDir, log });
          lifecycle.defer('database', () => database.close());
          const ipfs = await openComponentIpfs(config, path.join(dataDir, 'ipfs'), log, ['/ip4/0.0.0.0/tcp/4001']);
          lifecycle.defer('ipfs', () => ipfs.stop());
          const operator = await startOperator({
            account,
            chain: { ...chain, chainId: chain.publicClient.chain.id, hub, registry },
            db: database.db,
            ipfs,
            dataDir,
            trust: config.trust,
            wasmPath: config.tlsnWasm,
            tuning: {
              threads: config.tlsn.threads,
              network: config.tlsn.network ?? 'Bandwidth',
              ...(config.tlsn.warm ? { warm: config.tlsn.warm } : {}),
            },
            maxSessions: config.tlsn.maxSessions,
            ...(config.tlsn.sessionTimeoutMs ? { sessionTimeoutMs: config.tlsn.sessionTimeoutMs } : {}),
            notary: { host: config.notary.host, port: config.notary.port },
            ssrf: { allowList: config.ssrfAllow },
            // Why a ref was refused (unknown, other host/path/header) is for this operator's log only.
            secrets: await loadSecretStore(config.secretsFile, (ref, reason) =>
              log.warn({ ref, reason }, 'secret refused'),
            ),
            jobs: { fromBlock, pollIntervalMs: pollMs(opts.poll) },
            log,
          });
          lifecycle.defer('operator', () => operator.stop());
          if (opts.register) await operator.register(parseEther(opts.register), opts.name);
          out.data(
            { event: 'up', operator: operator.address, notaryUrl: operator.notaryUrl, ipfs: ipfs.multiaddrs },
            `operator ${operator.address} up; notary ${operator.notaryUrl}; Ctrl-C stops it`,
          );
        } catch (e) {
          await lifecycle.stop();
          throw e;
        }
        await lifecycle.untilSignal();
      },
    );
  registerLifecycle(operator);
}
