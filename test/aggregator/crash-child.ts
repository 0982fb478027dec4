// A real aggregator process for the crash test: it stops at the hook between verification and fulfilment, says so
// on stdout and waits there to be SIGKILLed (nothing is flushed or closed: the state it leaves is what a crash leaves).
import { openDatabase } from '../../core/db/client.ts';
import { createVeritasPublicClient, createVeritasWalletClient } from '../../core/chain/clients.ts';
import { createIpfs } from '../../core/ipfs.ts';
import { rootLogger } from '../../core/log.ts';
import { startAggregator } from '../../aggregator/service.ts';

const env = JSON.parse(process.argv[2]!) as {
  rpcUrl: string;
  chainId: number;
  hub: `0x${string}`;
  key: `0x${string}`;
  dataDir: string;
  ipfsDir: string;
  fromBlock: string;
  databaseUrl?: string;
};
// Never outlive the test: when the parent goes away (even killed), stdin closes and this process ends.
process.stdin.on('end', () => process.exit(1)).resume();
const log = rootLogger().child({ test: 'crash-child' });
log.level = 'warn';
const handle = await openDatabase({ url: env.databaseUrl, dataDir: env.dataDir, log });
const ipfs = await createIpfs({ dir: env.ipfsDir, network: 'none', log });
startAggregator({
  db: handle.db,
  ipfs,
  publicClient: createVeritasPublicClient(env.rpcUrl, env.chainId),
  walletClient: createVeritasWalletClient(env.rpcUrl, env.chainId, env.key),
  hub: env.hub,
  fromBlock: BigInt(env.fromBlock),
  policy: { acceptDevnetProofs: false },
  log,
  hooks: {
    beforeFulfill: async (requestId) => {
      process.stdout.write(`AT_HOOK ${requestId}\n`);
      await new Promise(() => {}); // parked here until killed
    },
  },
});
