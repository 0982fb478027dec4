// Starts and stops a local anvil chain (binary from the npm package @foundry-rs/anvil-<platform>) as a child process.
//
// Never orphaned: every live anvil is in one set, killed on process exit and on SIGINT/SIGTERM when nobody else
// handles those signals. (A SIGKILLed parent cannot clean up; nothing in-process can help there.)
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import type { Hex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { bytesToHex } from 'viem';
import { VeritasError } from '../errors.ts';
import { componentLogger } from '../log.ts';

/** anvil's well-known development mnemonic: its accounts are funded on every fresh devnet. Never use on a real chain. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

export type StartAnvilOptions = {
  /** The address to listen on (default 127.0.0.1); the multi-host test binds a bridge address. */
  host?: string;
  /** TCP port on `host`; default 0 = a free port chosen by the OS (read back from anvil's output). */
  port?: number;
  chainId?: number;
  /** number of funded dev accounts (default 10) */
  accounts?: number;
  /** ether per dev account (default 10000) */
  balanceEther?: number;
  mnemonic?: string;
  /** seconds between blocks (fractions allowed); default: automine (a block per transaction) */
  blockTime?: number;
  /**
   * With blockTime: also mine each transaction at once (anvil --mixed-mining), as an L2 sequencer confirms it,
   * while the interval keeps the chain's clock moving without traffic.
   */
  mixedMining?: boolean;
  /** load the chain from and dump it to this file (anvil --state), so a devnet survives restarts */
  stateFile?: string;
  /** how long to wait for eth_chainId before giving up (default 15 s) */
  startTimeoutMs?: number;
  /** extra command-line arguments passed through to anvil */
  extraArgs?: string[];
};

export type Anvil = {
  rpcUrl: string;
  chainId: number;
  /** private keys of the funded dev accounts, in anvil's order */
  accounts: Hex[];
  pid: number;
  /** Terminates anvil (SIGTERM, then SIGKILL after 5 s) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
};

const log = componentLogger('anvil');
const live = new Set<ChildProcess>();
let handlersInstalled = false;

function killAll(signal: NodeJS.Signals): void {
  for (const child of live) child.kill(signal);
}

/** Installed once: kill children on exit; on SIGINT/SIGTERM, if we are the only listener, kill them and re-raise. */
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => killAll('SIGKILL'));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = (): void => {
      killAll('SIGTERM');
      // Someone else (e.g. the CLI) handles this signal and will shut down in order; the exit hook still applies.
      if (process.listenerCount(signal) > 1) return;
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal); // default action: terminate with the conventional status
    };
    process.on(signal, onSignal);
  }
}

/** Path of the anvil binary shipped in the platform package of @foundry-rs/anvil. */
export function anvilBinaryPath(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`;
  const require = createRequire(import.meta.url);
  try {
    return require.resolve(`${pkg}/bin/anvil${process.platform === 'win32' ? '.exe' : ''}`);
  } catch (cause) {
    throw new VeritasError('CHAIN_ERROR', `anvil binary not found: the npm package ${pkg} is not installed`, {
      cause,
      details: { hint: `run npm install (optional dependency ${pkg} of @foundry-rs/anvil)` },
    });
  }
}

/** The first `count` private keys of a BIP-39 mnemonic on the standard path m/44'/60'/0'/0/i (as anvil derives). */
export function devPrivateKeys(mnemonic: string, count: number): Hex[] {
  return Array.from({ length: count }, (_, i) => {
    const key = mnemonicToAccount(mnemonic, { addressIndex: i }).getHdKey().privateKey;
    if (!key) throw new VeritasError('INTERNAL', `no private key derived for account ${i}`);
    return bytesToHex(key);
  });
}

async function rpcChainId(rpcUrl: string): Promise<number | undefined> {
  try {
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    const body = (await res.json()) as { result?: string };
    return body.result === undefined ? undefined : Number(body.result);
  } catch {
    return undefined;
  }
}

export async function startAnvil(options: StartAnvilOptions = {}): Promise<Anvil> {
  const mnemonic = options.mnemonic ?? ANVIL_MNEMONIC;
  const accountCount = options.accounts ?? 10;
  const host = options.host ?? '127.0.0.1';
  const args = [
    '--host',
    host,
    '--port',
    String(options.port ?? 0),
    '--accounts',
    String(accountCount),
    '--balance',
    String(options.balanceEther ?? 10_000),
    '--mnemonic',
    mnemonic,
  ];
  if (options.chainId !== undefined) args.push('--chain-id', String(options.chainId));
  if (options.blockTime !== undefined) args.push('--block-time', String(options.blockTime));
  if (options.mixedMining) {
    if (options.blockTime === undefined) throw new RangeError('mixedMining needs a blockTime');
    args.push('--mixed-mining');
  }
  if (options.stateFile !== undefined) args.push('--state', options.stateFile);
  args.push(...(options.extraArgs ?? []));

  installHandlers();
  const child = spawn(anvilBinaryPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
    child.once('error', () => {
      live.delete(child);
      resolve();
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM'); // lets anvil write --state before it goes
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await exited;
    })();
    return stopping;
  };

  // anvil prints "Listening on <host>:<port>" once bound; the rest of its output is only kept for error reports
  const tail: string[] = [];
  const remember = (line: string): void => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
  };
  createInterface({ input: child.stderr! }).on('line', remember);
  const listening = new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      remember(line);
      const m = /Listening on \S+:(\d+)/.exec(line);
      if (m) resolve(Number(m[1]));
    });
    child.once('error', reject);
    void exited.then(() => reject(new Error(`anvil exited (code ${child.exitCode}, signal ${child.signalCode})`)));
  });

  const timeoutMs = options.startTimeoutMs ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const port = await Promise.race([
      listening,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no "Listening on" line within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    const rpcUrl = `http://${host}:${port}`;
    const deadline = Date.now() + timeoutMs;
    // bound is not always serving: poll eth_chainId (each attempt bounded) until it answers or time is up
    let chainId = await rpcChainId(rpcUrl);
    for (; chainId === undefined; chainId = await rpcChainId(rpcUrl)) {
      if (Date.now() > deadline || !live.has(child)) throw new Error('anvil did not answer eth_chainId');
      await new Promise((r) => setTimeout(r, 25));
    }
    clearTimeout(timer);
    log.debug({ rpcUrl, chainId, pid: child.pid }, 'anvil started');
    return { rpcUrl, chainId, accounts: devPrivateKeys(mnemonic, accountCount), pid: child.pid!, stop };
  } catch (cause) {
    clearTimeout(timer);
    await stop();
    throw new VeritasError('CHAIN_ERROR', `anvil failed to start: ${(cause as Error).message}`, {
      cause,
      details: { args, output: tail.join('\n') },
    });
  }
}
