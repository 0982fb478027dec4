// The DatasetRegistry clients the dataset, feed and keeper commands share: read from the config, once.
import { createVeritasPublicClient, createVeritasWalletClient, fetchChainId } from '../../core/chain/clients.ts';
import { loadConfig, required } from '../../core/config.ts';
import { VeritasError } from '../../core/errors.ts';

export async function registryClients(o: { write: boolean }) {
  const config = loadConfig(process.env);
  const rpcUrl = required(config.chain.rpcUrl, 'VERITAS_RPC_URL', 'to reach the chain');
  const registry = required(
    config.chain.datasetRegistryAddress,
    'VERITAS_DATASET_REGISTRY_ADDRESS',
    'to find feeds and datasets',
  );
  const chainId = await fetchChainId(rpcUrl);
  const publicClient = createVeritasPublicClient(rpcUrl, chainId);
  const key = o.write ? required(config.chain.privateKey, 'VERITAS_PRIVATE_KEY', 'to send transactions') : undefined;
  const walletClient = key ? createVeritasWalletClient(rpcUrl, chainId, key) : undefined;
  return { config, rpcUrl, chainId, registry, publicClient, walletClient };
}

/** A whole number of wei/seconds/ids from a flag, or an error naming the flag. */
export function whole(value: string, flag: string): bigint {
  if (!/^\d+$/.test(value)) throw new VeritasError('INPUT_INVALID', `${flag} must be a whole number`, { field: flag });
  return BigInt(value);
}
