// Event scans for the status commands: a contract's logs from the deployment block to the head, in chunks, since
// public RPC endpoints refuse eth_getLogs over too many blocks at once.
import type { Abi, Address, ContractEventName, GetContractEventsReturnType } from 'viem';
import type { VeritasPublicClient } from '../../core/chain/clients.ts';

const CHUNK = 50_000n;

export async function scanEvents<const A extends Abi, N extends ContractEventName<A>>(
  publicClient: VeritasPublicClient,
  o: { address: Address; abi: A; eventName: N; args?: Record<string, unknown>; fromBlock: bigint },
): Promise<GetContractEventsReturnType<A, N>> {
  const head = await publicClient.getBlockNumber({ cacheTime: 0 });
  const all: GetContractEventsReturnType<A, N>[number][] = [];
  for (let from = o.fromBlock; from <= head; from += CHUNK) {
    const to = from + CHUNK - 1n < head ? from + CHUNK - 1n : head;
    const logs = await publicClient.getContractEvents({
      address: o.address,
      abi: o.abi,
      eventName: o.eventName,
      ...(o.args ? { args: o.args } : {}),
      fromBlock: from,
      toBlock: to,
    } as never);
    all.push(...(logs as GetContractEventsReturnType<A, N>));
  }
  return all as GetContractEventsReturnType<A, N>;
}
