// `veritas deploy`: deploys OperatorRegistry, OracleHub and DatasetRegistry to any EVM JSON-RPC, writes
// deployments/<chainId>.json and prints the environment the other components need; a re-run shows what is deployed.
import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { VeritasError } from '../../core/errors.ts';
import { CliExit, EXIT } from '../exit.ts';
import type { Output } from '../output.ts';
import {
  addressArg,
  amount,
  type ChainFlags,
  confirmSend,
  signerContext,
  wholeNumber,
  withSignerOptions,
} from './chain.ts';

type DeployFlags = Omit<ChainFlags, 'deployment'> & {
  out: string;
  force?: boolean;
  minBond: string;
  unbondDelay: string;
  slashBps: string;
  reporterRewardBps: string;
  callbackGasLimit: string;
  assignDelay: string;
  maxDeadlineWindow: string;
  challengeWindow: string;
  aggregatorDelay: string;
  minFeePerProver: string;
  minAggregatorBond: string;
  aggregator?: string;
  aggregatorBond?: string;
  pokeTip: string;
  datasetRegistry: boolean;
};

export function register(program: Command): void {
  const cmd = program
    .command('deploy')
    .description(
      'deploy the Veritas contracts to an EVM chain, write deployments/<chainId>.json and print the environment ' +
        'lines the other components need; run again to see what is deployed',
    )
    .option('--out <dir>', 'directory of the deployment file', 'deployments')
    .option('--force', 'deploy again and overwrite an existing deployment file')
    .option('--min-bond <amount>', 'minimum operator bond (ETH, or 20gwei / 1000wei)', '1')
    .option(
      '--unbond-delay <s>',
      'seconds from requestUnbond to withdrawBond (≥ max deadline window + challenge window)',
      '86400',
    )
    .option('--slash-bps <bps>', 'share of a notary’s bond slashed on equivocation, basis points', '5000')
    .option('--reporter-reward-bps <bps>', 'share of a slash paid to the reporter, basis points', '5000')
    .option('--callback-gas-limit <gas>', 'gas forwarded to a consumer contract’s onVeritasFulfilled', '200000')
    .option('--assign-delay <blocks>', 'blocks between a request and the block whose hash draws its committee', '0')
    .option('--max-deadline-window <s>', 'longest deadline a request may set, seconds ahead', '21600')
    .option('--challenge-window <s>', 'seconds an aggregator’s root can be challenged after fulfilment', '3600')
    .option('--aggregator-delay <s>', 'seconds between proposing and activating an aggregator change', '86400')
    .option('--min-fee-per-prover <amount>', 'fee floor per sampled prover (ETH, or 20gwei / 1000wei)', '0')
    .option('--min-aggregator-bond <amount>', 'smallest bond an aggregator may fulfil with', '1')
    .option('--aggregator <address>', 'the genesis aggregator (default: the deployer)')
    .option('--aggregator-bond <amount>', 'bond the deployer posts for the genesis aggregator (default: the minimum)')
    .option('--poke-tip <amount>', 'DatasetRegistry: tip paid to whoever opens a feed round', '0.0001')
    .option('--no-dataset-registry', 'do not deploy the DatasetRegistry (feeds and datasets)');
  // a deployment file is what this command writes, not one it reads: no --deployment here
  withSignerOptions(cmd, { deployment: false });
  cmd.action(async (flags: DeployFlags, self: Command) => {
    const ctx = await signerContext(self, flags, 'as the deployer (it owns the contracts)');
    const { out, publicClient, walletClient, chainId } = ctx;
    const file = path.resolve(flags.out, `${chainId}.json`);
    const { deploymentEnv, formatDeploymentFile, readDeploymentFile } = await import(
      '../../core/chain/deployment-file.ts'
    );
    const { checkParameters, deployAll, estimateDeployment, fileParameters, inspectDeployment } = await import(
      '../../core/chain/deploy.ts'
    );
    const minAggregatorBond = amount(flags.minAggregatorBond, '--min-aggregator-bond');
    const parameters = {
      minBond: amount(flags.minBond, '--min-bond'),
      unbondDelay: wholeNumber(flags.unbondDelay, '--unbond-delay', 2 ** 63),
      slashBps: wholeNumber(flags.slashBps, '--slash-bps', 10_000),
      reporterRewardBps: wholeNumber(flags.reporterRewardBps, '--reporter-reward-bps', 10_000),
      callbackGasLimit: wholeNumber(flags.callbackGasLimit, '--callback-gas-limit', 2 ** 32 - 1),
      assignDelay: wholeNumber(flags.assignDelay, '--assign-delay', 0xffff),
      maxDeadlineWindow: wholeNumber(flags.maxDeadlineWindow, '--max-deadline-window', 2 ** 62),
      challengeWindow: wholeNumber(flags.challengeWindow, '--challenge-window', 2 ** 62),
      aggregatorDelay: wholeNumber(flags.aggregatorDelay, '--aggregator-delay', 2 ** 62),
      minFeePerProver: amount(flags.minFeePerProver, '--min-fee-per-prover'),
      minAggregatorBond,
      aggregator: flags.aggregator ? addressArg(flags.aggregator, '--aggregator') : walletClient.account.address,
      aggregatorBond: flags.aggregatorBond ? amount(flags.aggregatorBond, '--aggregator-bond') : minAggregatorBond,
      pokeTip: flags.datasetRegistry ? amount(flags.pokeTip, '--poke-tip') : undefined,
    };
    checkParameters(parameters);

    if (existsSync(file) && !flags.force) {
      // idempotent: what the file says is deployed, checked against the chain; nothing is sent
      const existing = readDeploymentFile(file, '--out');
      const checks = await inspectDeployment(publicClient, existing);
      const env = deploymentEnv(existing, { rpcUrl: ctx.rpcUrl, file });
      const missing = checks.filter((c) => !c.deployed || !c.codeMatches);
      out.note(
        'deployed',
        { file, chainId, checks },
        `${file} (deployed ${existing.deployedAt} by ${existing.deployer}, from block ${existing.fromBlock}):\n` +
          checks
            .map(
              (c) =>
                `  ${c.contract.padEnd(17)} ${c.address}  ${c.deployed ? (c.codeMatches ? 'code present' : 'OTHER CODE') : 'NO CODE'}` +
                (c.sameBuild ? '' : '  (deployed from another build)'),
            )
            .join('\n'),
      );
      if (missing.length > 0)
        throw new CliExit(
          EXIT.INPUT,
          'DEPLOYMENT_MISSING',
          `${file} names contracts this chain does not hold (${missing.map((c) => c.contract).join(', ')}): ` +
            'the chain was reset or the file belongs elsewhere; --force deploys again and overwrites it',
        );
      const differing = differingFlags(self, fileParameters(parameters), existing.parameters);
      if (differing.length > 0)
        throw new CliExit(
          EXIT.INPUT,
          'DEPLOYMENT_EXISTS',
          `${file} exists with other parameters (${differing.join(', ')}); --force deploys anew and overwrites it`,
        );
      printEnv(out, env, { file, chainId, status: 'existing' });
      return;
    }

    const steps = await estimateDeployment(ctx, parameters);
    const value = (step: string) => (step === 'OracleHub.bondAggregator' ? { value: parameters.aggregatorBond } : {});
    await confirmSend(
      ctx,
      `deploy Veritas to chain ${chainId} as ${walletClient.account.address}`,
      steps.map((s) => ({ ...s, ...value(s.step) })),
      await publicClient.getGasPrice(),
    );
    const deployment = await deployAll(ctx, parameters);
    await mkdir(path.dirname(file), { recursive: true });
    // written only after every contract is on-chain: a file on disk always names a complete deployment
    await writeFile(file, formatDeploymentFile(deployment), { flag: flags.force ? 'w' : 'wx' }).catch(
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'EEXIST')
          throw new VeritasError('INPUT_INVALID', `${file} appeared while deploying; rerun with --force`, {
            field: '--out',
          });
        throw e;
      },
    );
    out.note('written', { file }, `wrote ${file}`);
    printEnv(out, deploymentEnv(deployment, { rpcUrl: ctx.rpcUrl, file }), { file, chainId, status: 'deployed' });
  });
}

/** Flags given on this run whose value differs from the existing deployment's. */
function differingFlags(cmd: Command, wanted: Record<string, unknown>, existing: Record<string, unknown>): string[] {
  return Object.keys(wanted).filter((k) => {
    return cmd.getOptionValueSource(k) === 'cli' && String(wanted[k]) !== String(existing[k]);
  });
}

/** The environment lines on stdout (`KEY=value`, ready for a .env file or `export`); with --json one object. */
function printEnv(
  out: Output,
  env: Record<string, string>,
  o: { file: string; chainId: number; status: 'deployed' | 'existing' },
): void {
  out.data(
    { event: o.status, file: o.file, chainId: o.chainId, env },
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
}
