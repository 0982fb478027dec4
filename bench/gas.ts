// Prints the gas used by request, respond and fulfill at quorum 1 and 3 on a fresh anvil (npm run bench:gas).
// The hub over-samples (quorum 3 of 5 operators assigns 4 provers): every assigned prover responds and all are included.
import { parseEther, parseEventLogs } from 'viem';
import { deployExampleConsumer, exampleConsumerAbi, oracleHubAbi } from '../core/chain/contracts.ts';
import {
  type Chain,
  deployFixture,
  fulfill,
  requestFromReceipt,
  respond,
  send,
  specHashOf,
  startChain,
} from '../test/contracts/fixture.ts';

const chain: Chain = await startChain();
try {
  const v = await deployFixture(chain, { operatorCount: 5 });
  const consumer = await deployExampleConsumer({ walletClient: v.consumer, publicClient: chain.publicClient }, v.hub);
  const rows: {
    quorum: number;
    provers: number;
    consumer: string;
    request: bigint;
    respond: bigint;
    fulfill: bigint;
  }[] = [];
  for (const viaContract of [false, true]) {
    for (const quorum of [1, 3]) {
      // warm-up round so storage-slot first-write costs of the hub itself (nonce 0 → 1) do not skew the figure
      for (let round = 0; round < 2; round++) {
        const deadline = (await chain.publicClient.getBlock()).timestamp + 600n;
        const reqReceipt = viaContract
          ? await send(chain, v.consumer, {
              address: consumer,
              abi: exampleConsumerAbi,
              functionName: 'requestData',
              args: [
                specHashOf(`bench ${round}`),
                'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
                quorum,
                deadline,
              ],
              value: parseEther('0.1'),
              gas: 1_000_000n,
            })
          : await send(chain, v.consumer, {
              address: v.hub,
              abi: oracleHubAbi,
              functionName: 'request',
              args: [
                specHashOf(`bench ${round}`),
                'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
                quorum,
                deadline,
              ],
              value: parseEther('0.1'),
              gas: 1_000_000n,
            });
        const r = await requestFromReceipt(v, reqReceipt);
        let respondGas = 0n;
        for (let i = 0; i < r.provers.length; i++) {
          respondGas += (await respond(v, r.requestId, r.provers[i]!, r.notaries[i]!)).gasUsed;
        }
        const f = await fulfill(v, r.requestId, r.provers, undefined, 2_000_000n);
        if (parseEventLogs({ abi: oracleHubAbi, logs: f.logs, eventName: 'CallbackFailed' }).length > 0) {
          throw new Error('consumer callback failed during the benchmark');
        }
        if (round === 1) {
          rows.push({
            quorum,
            provers: r.provers.length,
            consumer: viaContract ? 'ExampleConsumer (callback)' : 'EOA',
            request: reqReceipt.gasUsed,
            respond: respondGas / BigInt(r.provers.length),
            fulfill: f.gasUsed,
          });
        }
      }
    }
  }
  console.log('Veritas gas (anvil, solc 0.8.37 optimizer 200 runs, 5 active operators, CIDs of 59 chars)');
  console.table(
    rows.map((r) => ({
      consumer: r.consumer,
      quorum: r.quorum,
      'provers (included)': r.provers,
      'request (gas)': Number(r.request),
      'respond, per prover (gas)': Number(r.respond),
      'fulfill (gas)': Number(r.fulfill),
    })),
  );
} finally {
  await chain.anvil.stop();
}
