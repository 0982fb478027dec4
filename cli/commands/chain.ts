// What every command that talks to the chain shares: the --rpc/--deployment/--keystore/--yes flags, the signer (a
// raw key or a decrypted keystore), the clients, and sending a transaction only after showing its gas and cost.
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { formatEther, formatGwei, type Hex, parseEther, parseUnits, type TransactionReceipt } from 'viem';
import type { VeritasPublicClient, VeritasWalletClient } from '../../core/chain/clients.ts';
import type { ContractCall } from '../../core/chain/contracts.ts';
import { type Config, loadConfig, required } from '../../core/config.ts';
import { VeritasError } from '../../core/errors.ts';
import { CliExit, EXIT } from '../exit.ts';
import { createOutput, type Output } from '../output.ts';

export type ChainFlags = {
  rpc?: string;
  deployment?: string;
  keystore?: string;
  passwordFile?: string;
  yes?: boolean;
};

/** --rpc and --deployment: where the chain and the contracts are (else VERITAS_RPC_URL, VERITAS_DEPLOYMENT / addresses). */
export function withChainOptions(cmd: Command, o: { deployment?: boolean } = {}): Command {
  cmd.option('--rpc <url>', 'EVM JSON-RPC endpoint (default: VERITAS_RPC_URL)');
  if (o.deployment !== false)
    cmd.option(
      '--deployment <file>',
      'deployment file from `veritas deploy` (default: VERITAS_DEPLOYMENT, else the address variables)',
    );
  return cmd;
}

/** The signer's flags and --yes, for commands that send transactions. */
export const withSignerOptions = (cmd: Command, o: { deployment?: boolean } = {}): Command =>
  withChainOptions(cmd, o)
    .option(
      '--keystore <file>',
      'encrypted JSON keystore holding the key (default: VERITAS_KEYSTORE, else VERITAS_PRIVATE_KEY)',
    )
    .option(
      '--password-file <file>',
      'file holding the keystore password (default: VERITAS_KEYSTORE_PASSWORD, else asked)',
    )
    .option('-y, --yes', 'send without asking (scripts); without a terminal, sending needs it');

/** The configuration with the flags applied the way their variables would be (so one loader validates both). */
export function configWithFlags(flags: ChainFlags): Config {
  return loadConfig({
    ...process.env,
    ...(flags.rpc ? { VERITAS_RPC_URL: flags.rpc } : {}),
    ...(flags.deployment ? { VERITAS_DEPLOYMENT: flags.deployment } : {}),
    ...(flags.keystore ? { VERITAS_KEYSTORE: flags.keystore } : {}),
  });
}

const isTerminal = () => process.stdin.isTTY === true && process.stderr.isTTY === true;

/** The signing key: VERITAS_PRIVATE_KEY, or the keystore (its password from the file, the variable or the terminal). */
export async function signingKey(config: Config, flags: ChainFlags, why: string): Promise<Hex> {
  const ks = config.chain.keystore;
  if (!ks) return required(config.chain.privateKey, 'VERITAS_PRIVATE_KEY', `${why} (or --keystore <file>)`);
  if (flags.keystore === undefined && config.chain.privateKey)
    throw new VeritasError('CONFIG_INVALID', 'VERITAS_KEYSTORE and VERITAS_PRIVATE_KEY are both set; unset one', {
      field: 'VERITAS_KEYSTORE',
    });
  let password = ks.password;
  if (flags.passwordFile !== undefined)
    password = (
      await readFile(flags.passwordFile, 'utf8').catch((e: Error) => {
        throw new VeritasError('INPUT_INVALID', `--password-file: ${e.message}`, { field: '--password-file' });
      })
    ).replace(/\r?\n$/, '');
  if (password === undefined) {
    if (!isTerminal())
      throw new VeritasError(
        'CONFIG_INVALID',
        'the keystore needs a password: --password-file <file> or VERITAS_KEYSTORE_PASSWORD',
        { field: 'VERITAS_KEYSTORE_PASSWORD' },
      );
    password = await askHidden('keystore password: ');
  }
  const text = await readFile(ks.file, 'utf8').catch((e: Error) => {
    throw new VeritasError('INPUT_INVALID', `--keystore: ${e.message}`, { field: '--keystore' });
  });
  const { decryptKeystore } = await import('../../core/chain/keystore.ts');
  return decryptKeystore(text, password);
}

/** Reads a line from the terminal without echoing it. */
async function askHidden(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  const stdin = process.stdin;
  stdin.setRawMode?.(true);
  try {
    let line = '';
    for await (const chunk of stdin) {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return line;
        if (ch === '\u0003') throw new CliExit(EXIT.USAGE, 'CANCELLED', 'cancelled');
        line = ch === '\u007f' ? line.slice(0, -1) : line + ch;
      }
    }
    return line;
  } finally {
    stdin.setRawMode?.(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

export type ChainContext = {
  config: Config;
  out: Output;
  rpcUrl: string;
  chainId: number;
  publicClient: VeritasPublicClient;
  /** First block to scan for events: the deployment file's, else 0. */
  fromBlock: bigint;
};
export type SignerContext = ChainContext & { walletClient: VeritasWalletClient; yes: boolean };

/** Connects to the chain the flags and environment name; a deployment file for another chain is an input error. */
export async function chainContext(cmd: Command, own: ChainFlags): Promise<ChainContext> {
  // `veritas operator` has --deployment itself, and commander gives a flag to the parent when both declare it
  const flags = { ...cmd.optsWithGlobals<ChainFlags>(), ...stripUndefined(own) };
  const config = configWithFlags(flags);
  const out = createOutput({ json: cmd.optsWithGlobals<{ json?: boolean }>().json === true, color: config.cli.color });
  const rpcUrl = required(config.chain.rpcUrl, 'VERITAS_RPC_URL', 'to reach the chain (or --rpc <url>)');
  const { createVeritasPublicClient, fetchChainId } = await import('../../core/chain/clients.ts');
  const chainId = await fetchChainId(rpcUrl);
  checkDeploymentChain(config, chainId);
  return {
    config,
    out,
    rpcUrl,
    chainId,
    publicClient: createVeritasPublicClient(rpcUrl, chainId),
    fromBlock: BigInt(config.chain.deployment?.fromBlock ?? 0),
  };
}

const stripUndefined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** A deployment file is for one chain: refuse to use its addresses on another. */
export function checkDeploymentChain(config: Config, chainId: number): void {
  const d = config.chain.deployment;
  if (d && d.chainId !== chainId)
    throw new VeritasError(
      'CONFIG_INVALID',
      `the deployment file ${d.file} is for chain ${d.chainId}, but the RPC endpoint is chain ${chainId}`,
      { field: 'VERITAS_DEPLOYMENT' },
    );
}

export async function signerContext(cmd: Command, own: ChainFlags, why: string): Promise<SignerContext> {
  const flags = { ...cmd.optsWithGlobals<ChainFlags>(), ...stripUndefined(own) };
  const ctx = await chainContext(cmd, flags);
  const key = await signingKey(ctx.config, flags, why);
  const { createVeritasWalletClient } = await import('../../core/chain/clients.ts');
  return {
    ...ctx,
    walletClient: createVeritasWalletClient(ctx.rpcUrl, ctx.chainId, key),
    yes: flags.yes === true,
  };
}

export type GasQuote = { gas: bigint | undefined; gasPrice: bigint };

/** Prints the estimate (gas per step, cost at the current gas price) and asks; --yes skips, no terminal refuses. */
export async function confirmSend(
  ctx: Pick<SignerContext, 'out' | 'yes'>,
  what: string,
  steps: { step: string; gas: bigint | undefined; value?: bigint }[],
  gasPrice: bigint,
): Promise<void> {
  const known = steps.every((s) => s.gas !== undefined);
  const totalGas = steps.reduce((sum, s) => sum + (s.gas ?? 0n), 0n);
  const value = steps.reduce((sum, s) => sum + (s.value ?? 0n), 0n);
  const cost = totalGas * gasPrice;
  const lines = steps.map(
    (s) =>
      `  ${s.step.padEnd(28)} ${s.gas === undefined ? 'gas unknown' : `${s.gas} gas`}` +
      (s.value ? `, sends ${formatEther(s.value)} ETH` : ''),
  );
  ctx.out.note(
    'estimate',
    {
      what,
      steps: steps.map((s) => ({
        step: s.step,
        gas: s.gas?.toString() ?? null,
        ...(s.value ? { value: s.value.toString() } : {}),
      })),
      gas: totalGas.toString(),
      complete: known,
      gasPrice: gasPrice.toString(),
      costWei: cost.toString(),
      valueWei: value.toString(),
    },
    `${what}:\n${lines.join('\n')}\n  total ${known ? '' : 'at least '}${totalGas} gas × ${formatGwei(gasPrice)} gwei = ` +
      `${formatEther(cost)} ETH${value ? ` (plus ${formatEther(value)} ETH sent)` : ''}`,
  );
  if (ctx.yes) return;
  if (!isTerminal())
    throw new CliExit(EXIT.USAGE, 'CONFIRMATION_REQUIRED', 'not a terminal: pass --yes to send without being asked');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question('send? [y/N] ');
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliExit(EXIT.USAGE, 'CANCELLED', 'not sent');
  } finally {
    rl.close();
  }
}

/**
 * One contract call, the CLI's way: estimate its gas (a revert surfaces here, decoded, before anything is asked),
 * show it with its cost, confirm, then send through sendContractCall and print the receipt.
 */
export async function sendConfirmed(ctx: SignerContext, call: ContractCall, what: string): Promise<TransactionReceipt> {
  const { publicClient, walletClient, out } = ctx;
  const { revertErrorName, sendContractCall } = await import('../../core/chain/contracts.ts');
  let gas: bigint;
  try {
    gas = await publicClient.estimateContractGas({ ...call, account: walletClient.account } as never);
  } catch (cause) {
    const revert = revertErrorName(cause);
    throw new VeritasError(
      'CHAIN_ERROR',
      revert
        ? `${call.functionName} would revert: ${revert}`
        : `${call.functionName}: ${(cause as { shortMessage?: string }).shortMessage ?? (cause as Error).message}`,
      { cause, details: { functionName: call.functionName, ...(revert ? { revert } : {}) } },
    );
  }
  await confirmSend(
    ctx,
    what,
    [{ step: call.functionName, gas, ...(call.value ? { value: call.value } : {}) }],
    await publicClient.getGasPrice(),
  );
  const receipt = await sendContractCall(ctx, call);
  out.data(
    {
      event: 'sent',
      functionName: call.functionName,
      transactionHash: receipt.transactionHash,
      blockNumber: Number(receipt.blockNumber),
      gasUsed: receipt.gasUsed.toString(),
    },
    `${call.functionName}: ${receipt.transactionHash} in block ${receipt.blockNumber} (${receipt.gasUsed} gas)`,
  );
  return receipt;
}

type Contracts = typeof import('../../oracle-contracts/generated/artifacts.ts');

/**
 * The whole of a command that sends one contract call: the signer (`why` names the key's role), then the call
 * `plan` builds with it, estimated, confirmed and sent by sendConfirmed. The caller checks its arguments first, so
 * a bad argument is refused before any key or password is asked for.
 */
export async function signAndSend(
  self: Command,
  flags: ChainFlags,
  why: string,
  plan: (ctx: SignerContext, contracts: Contracts) => { call: ContractCall; what: string },
): Promise<{ ctx: SignerContext; receipt: TransactionReceipt }> {
  const ctx = await signerContext(self, flags, why);
  const { call, what } = plan(ctx, await import('../../oracle-contracts/generated/artifacts.ts'));
  return { ctx, receipt: await sendConfirmed(ctx, call, what) };
}

/** An amount of ether from a flag: `1.5` or `1.5ether`, `20gwei`, `1000wei`; INPUT_INVALID naming the flag. */
export function amount(value: string, flag: string): bigint {
  const m = /^(\d+(?:\.\d+)?)(ether|eth|gwei|wei)?$/i.exec(value.trim());
  if (!m)
    throw new VeritasError('INPUT_INVALID', `${flag}: not an amount (e.g. 1.5, 20gwei, 1000wei)`, { field: flag });
  const unit = (m[2] ?? 'ether').toLowerCase();
  if (unit === 'wei') {
    if (m[1]!.includes('.')) throw new VeritasError('INPUT_INVALID', `${flag}: wei are whole`, { field: flag });
    return BigInt(m[1]!);
  }
  return unit === 'gwei' ? parseUnits(m[1]!, 9) : parseEther(m[1]!);
}

/** A whole number (seconds, blocks, basis points) from a flag. */
export function wholeNumber(value: string, flag: string, max = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(value) || Number(value) > max)
    throw new VeritasError('INPUT_INVALID', `${flag}: must be a whole number up to ${max}`, { field: flag });
  return Number(value);
}

export function addressArg(value: string, field: string): `0x${string}` {
  if (!/^0x[0-9a-fA-F]{40}$/.test(value))
    throw new VeritasError('INPUT_INVALID', `${field}: must be a 0x-prefixed 20-byte address`, { field });
  return value as `0x${string}`;
}

/** The hub (and registry) the context names, or the variable to set. */
export const hubOf = (config: Config) =>
  required(config.chain.hubAddress, 'VERITAS_HUB_ADDRESS', 'to find the OracleHub (or --deployment <file>)');
export const registryOf = (config: Config) =>
  required(
    config.chain.registryAddress,
    'VERITAS_REGISTRY_ADDRESS',
    'to find the OperatorRegistry (or --deployment <file>)',
  );
