// What the API needs from the rest of the node, handed in by the composition root (cli/) or a test.
import type { Address } from 'viem';
import type { VeritasPublicClient, VeritasWalletClient } from '../core/chain/clients.ts';
import type { Config } from '../core/config.ts';
import type { Database } from '../core/db/client.ts';
import type { IpfsNode } from '../core/ipfs.ts';
import type { Logger } from '../core/log.ts';
import type { RateLimitStore } from './middleware.ts';

export type ApiChain = {
  publicClient: VeritasPublicClient;
  /** The node's signer: with it `POST /v1/requests` sends the transaction itself (devnet); without, it returns it unsigned. */
  walletClient?: VeritasWalletClient | undefined;
  hubAddress: Address;
  chainId: number;
  /** The DatasetRegistry `/v1/datasets` reads; without it those routes answer 404. */
  datasetRegistry?: Address | undefined;
  /** Where startApi's registry indexer starts when it has no cursor yet (the registry's deployment block; default 0). */
  datasetRegistryFromBlock?: bigint | undefined;
};

export type ApiOptions = {
  /** Largest accepted request body in bytes (default 64 KiB). */
  bodyLimitBytes?: number;
  /** How often an SSE stream polls the timeline (default 250 ms) and sends a heartbeat comment (default 15 s). */
  ssePollMs?: number;
  sseHeartbeatMs?: number;
  /** Fulfilled records kept serialized in memory (default 10,000). */
  recordCacheSize?: number;
  /** Where rate-limit buckets live (default: in memory, this process only); share one across replicas. */
  rateLimitStore?: RateLimitStore;
  /** Record verifications the pages keep (default 2,000): a fulfilled record's verdict is computed once. */
  verificationCacheSize?: number;
};

export type ApiDeps = {
  db: Database;
  ipfs: IpfsNode;
  chain: ApiChain;
  /** Only `config.api` is read. */
  config: Pick<Config, 'api'>;
  log: Logger;
  /** Whether the verify panel accepts bundles made under the devnet trust anchor (config.acceptDevnetProofs). */
  acceptDevnetProofs?: boolean;
  options?: ApiOptions;
};
