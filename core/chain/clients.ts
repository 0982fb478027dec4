// viem client factories: a public client, a wallet client (one private key) and an anvil test client per RPC URL.
import {
  type Account,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  type Hex,
  http,
  type HttpTransport,
  type PrivateKeyAccount,
  type PublicClient,
  type TestClient,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { createNonceManager, jsonRpc } from 'viem/nonce';
import { VeritasError } from '../errors.ts';

export type VeritasPublicClient = PublicClient<HttpTransport, Chain>;
export type VeritasWalletClient = WalletClient<HttpTransport, Chain, PrivateKeyAccount>;
export type VeritasTestClient = TestClient<'anvil', HttpTransport, Chain, Account | undefined>;

export type ClientOptions = {
  /** how often watchers and receipt waits poll; local chains mine at once, so default 250 ms */
  pollingIntervalMs?: number;
  /** HTTP retries on transport errors and 5xx (viem backs off exponentially); default 3 */
  retryCount?: number;
  /** per-call HTTP timeout; default 15 s */
  timeoutMs?: number;
};

/** A viem chain object for any chain id: the chain itself is defined by the RPC endpoint we talk to. */
export function veritasChain(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: chainId === 31337 ? 'Veritas devnet (anvil)' : `chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

const transport = (rpcUrl: string, o: ClientOptions): HttpTransport =>
  http(rpcUrl, { retryCount: o.retryCount ?? 3, retryDelay: 150, timeout: o.timeoutMs ?? 15_000 });

export function createVeritasPublicClient(rpcUrl: string, chainId: number, o: ClientOptions = {}): VeritasPublicClient {
  return createPublicClient({
    chain: veritasChain(chainId, rpcUrl),
    transport: transport(rpcUrl, o),
    pollingInterval: o.pollingIntervalMs ?? 250,
  });
}

export function createVeritasWalletClient(
  rpcUrl: string,
  chainId: number,
  privateKey: Hex,
  o: ClientOptions = {},
): VeritasWalletClient {
  return createWalletClient({
    // viem's nonce manager hands concurrent sends of one key consecutive nonces (and recovers after a failed send).
    // One per client, not viem's shared default: that one remembers nonces by (address, chain id), so a fresh anvil
    // with the same id and keys would be sent nonces from the previous chain's history.
    account: privateKeyToAccount(privateKey, { nonceManager: createNonceManager({ source: jsonRpc() }) }),
    chain: veritasChain(chainId, rpcUrl),
    transport: transport(rpcUrl, o),
    pollingInterval: o.pollingIntervalMs ?? 250,
  });
}

/** anvil cheat codes (time travel, mining, balances) for tests and the devnet. */
export function createVeritasTestClient(rpcUrl: string, chainId: number, o: ClientOptions = {}): VeritasTestClient {
  return createTestClient({
    mode: 'anvil',
    chain: veritasChain(chainId, rpcUrl),
    transport: transport(rpcUrl, o),
    pollingInterval: o.pollingIntervalMs ?? 250,
  });
}

/** Asks the endpoint for its chain id, so callers that only know a URL can build clients. */
export async function fetchChainId(rpcUrl: string, o: ClientOptions = {}): Promise<number> {
  try {
    return await createPublicClient({ transport: transport(rpcUrl, o) }).getChainId();
  } catch (cause) {
    throw new VeritasError('CHAIN_ERROR', `cannot reach the RPC endpoint ${rpcUrl}: ${(cause as Error).message}`, {
      cause,
      field: 'VERITAS_RPC_URL',
    });
  }
}

export type ChainClients = { publicClient: VeritasPublicClient; walletClient: VeritasWalletClient };

/** Both clients for one signer; fetches the chain id when not given. */
export async function connectChain(
  rpcUrl: string,
  privateKey: Hex,
  o: ClientOptions & { chainId?: number } = {},
): Promise<ChainClients> {
  const chainId = o.chainId ?? (await fetchChainId(rpcUrl, o));
  return {
    publicClient: createVeritasPublicClient(rpcUrl, chainId, o),
    walletClient: createVeritasWalletClient(rpcUrl, chainId, privateKey, o),
  };
}
