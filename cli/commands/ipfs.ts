// A component's Helia node as the configuration says (VERITAS_IPFS_NETWORK / _LISTEN / _PEERS), with its peers
// dialled: what `veritas operator`, `veritas aggregator` and `veritas api` each open at start.
import type { Config } from '../../core/config.ts';
import type { IpfsNode } from '../../core/ipfs.ts';
import type { Logger } from '../../core/log.ts';

/**
 * Opens the node under `dir`. On the `public` network it listens on VERITAS_IPFS_LISTEN, else on `defaultListen`
 * (an operator serves its bundles on a well-known port; the aggregator and the API need not listen at all), and
 * bootstraps from VERITAS_IPFS_PEERS. A peer that cannot be dialled is logged, not fatal: it may come up later.
 */
export async function openComponentIpfs(
  config: Config,
  dir: string,
  log: Logger,
  defaultListen: string[] = [],
): Promise<IpfsNode> {
  // loaded when a component starts, so `--help` and the client commands start without Helia
  const { createIpfs } = await import('../../core/ipfs.ts');
  const { network, listen, peers } = config.ipfs;
  const ipfs = await createIpfs({
    dir,
    network:
      network === 'public' ? { listen: listen ?? defaultListen, ...(peers ? { bootstrap: peers } : {}) } : network,
    log,
  });
  for (const peer of peers ?? [])
    await ipfs.dial(peer).catch((e: unknown) => log.warn({ err: e, peer }, 'cannot dial IPFS peer'));
  return ipfs;
}
