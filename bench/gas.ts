// Prints the gas of request, assign, respond, fulfill (with its policy check) and challenge on a fresh anvil, and
// what the fee floor must cover (npm run bench:gas).
// The hub over-samples (quorum 3 of 5 operators assigns 4 provers): every assigned prover responds and all are included.
import { formatGwei, parseEther, parseEventLogs } from 'viem';
import { deployExampleConsumer, exampleConsumerAbi, oracleHubAbi } from '../core/chain/contracts.ts';
import { buildRecordTree } from '../core/merkle.ts';
import {
  type Chain,
  deployFixture,
  fulfill,
  requestFromReceipt,
  respond,
  resultHashOf,
  send,
  specHashOf,
  startChain,
} from '../test/contracts/fixture.ts';

const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy';
const POLICIES = ['exact', 'mode', 'median'] as const;

const chain: Chain = await startChain();
try {
  const v = await deployFixture(chain, { operatorCount: 5 });
  const consumer = await deployExampleConsumer({ walletClient: v.consumer, publicClient: chain.publicClient }, v.hub);
  const rows: Record<string, string | number>[] = [];
  let worstPerProver = 0n;
  for (const viaContract of [false, true]) {
    for (const quorum of [1, 3]) {
      for (const [policy, name] of POLICIES.entries()) {
        // warm-up round so first-write storage costs of the hub itself (nonce 0 → 1) do not skew the figure
        for (let round = 0; round < 2; round++) {
          const deadline = (await chain.publicClient.getBlock()).timestamp + 600n;
          const params = { quorum, policy, minAgreement: policy === 1 ? 1 : 0, bandBps: 100, deadline };
          const spec = specHashOf(`bench ${round}`);
          const reqReceipt = viaContract
            ? await send(chain, v.consumer, {
                address: consumer,
                abi: exampleConsumerAbi,
                functionName: 'requestData',
                args: [spec, CID, params],
                value: parseEther('0.1'),
              })
            : await send(chain, v.consumer, {
                address: v.hub,
                abi: oracleHubAbi,
                functionName: 'request',
                args: [spec, CID, params],
                value: parseEther('0.1'),
              });
          const before = await chain.publicClient.getBlockNumber();
          const r = await requestFromReceipt(v, reqReceipt); // sends `assign` from a third party
          const [assignLog] = await chain.publicClient.getContractEvents({
            address: v.hub,
            abi: oracleHubAbi,
            eventName: 'Assigned',
            args: { requestId: r.requestId },
            fromBlock: before + 1n,
          });
          const assignGas = (await chain.publicClient.getTransactionReceipt({ hash: assignLog!.transactionHash }))
            .gasUsed;
          let respondGas = 0n;
          for (let i = 0; i < r.provers.length; i++) {
            const x = 10_000n + BigInt(i);
            respondGas += (await respond(v, r.requestId, r.provers[i]!, r.notaries[i]!, 'result', { numericValue: x }))
              .gasUsed;
          }
          // every response carries resultHash('result'): exact and mode accept it, and it is the median's hash too
          const f = await fulfill(v, r.requestId, r.provers, undefined, 2_000_000n);
          if (parseEventLogs({ abi: oracleHubAbi, logs: f.logs, eventName: 'CallbackFailed' }).length > 0) {
            throw new Error('consumer callback failed during the benchmark');
          }
          if (round === 1) {
            // what one sampled prover's fee share must pay for: its respond, and its share of assign and fulfil
            const perProver = (assignGas + respondGas + f.gasUsed) / BigInt(r.provers.length);
            if (perProver > worstPerProver) worstPerProver = perProver;
            rows.push({
              consumer: viaContract ? 'ExampleConsumer (callback)' : 'EOA',
              policy: name,
              quorum,
              'provers (included)': r.provers.length,
              'request (gas)': Number(reqReceipt.gasUsed),
              'assign (gas)': Number(assignGas),
              'respond, per prover (gas)': Number(respondGas / BigInt(r.provers.length)),
              'fulfill (gas)': Number(f.gasUsed),
            });
          }
        }
      }
    }
  }

  // a challenge: the aggregator's root holds a leaf whose value hash contradicts the accepted one
  const r = await requestFromReceipt(
    v,
    await send(chain, v.consumer, {
      address: v.hub,
      abi: oracleHubAbi,
      functionName: 'request',
      args: [
        specHashOf('bench 0'),
        CID,
        {
          quorum: 1,
          policy: 0,
          minAgreement: 0,
          bandBps: 0,
          deadline: (await chain.publicClient.getBlock()).timestamp + 600n,
        },
      ],
      value: parseEther('0.1'),
    }),
  );
  await respond(v, r.requestId, r.provers[0]!, r.notaries[0]!);
  const leaves = [0, 1, 2, 3].map((index) => ({
    requestId: r.requestId,
    index,
    valueHash: resultHashOf(index === 2 ? 'forged' : 'result'),
    recordHash: resultHashOf(`record ${index}`),
  }));
  const tree = buildRecordTree(leaves);
  await fulfill(v, r.requestId, r.provers, undefined, undefined, { root: tree.root, recordCount: leaves.length });
  const ch = await send(chain, v.reporter, {
    address: v.hub,
    abi: oracleHubAbi,
    functionName: 'challengeFulfillment',
    args: [r.requestId, 2n, leaves[2]!.valueHash, leaves[2]!.recordHash, tree.proof(2)],
  });

  const code = await chain.publicClient.getCode({ address: v.hub });
  console.log('Veritas gas (anvil, solc optimizer 200 runs, 5 active operators, CIDs of 59 chars)');
  console.table(rows);
  console.log(`challengeFulfillment (4-leaf root, proof of 2): ${ch.gasUsed} gas`);
  console.log(`OracleHub runtime size: ${(code!.length - 2) / 2} bytes (EIP-170 limit 24576)`);
  // The floor is per sampled prover: it must pay that prover's share of assign + fulfil and its own respond (the
  // prover's gas) at least, or a request that is answered loses its operators money.
  const gasPrice = 1_000_000_000n; // 1 gwei, for illustration
  console.log(
    `fee floor must cover ≥ ${worstPerProver} gas per sampled prover (worst row: its respond plus its share of ` +
      `assign and fulfill); at ${formatGwei(gasPrice)} gwei that is minFeePerProver ≥ ` +
      `${formatGwei(worstPerProver * gasPrice)} gwei, before any margin for the MPC-TLS work itself`,
  );
  // one machine-readable line for `npm run bench` (bench/index.ts): the table above keyed by who.quorum.policy
  const figures: Record<string, number> = {};
  for (const row of rows) {
    const key = `${row.consumer === 'EOA' ? 'eoa' : 'consumer'}.q${row.quorum}.${row.policy}`;
    figures[`${key}.request`] = Number(row['request (gas)']);
    figures[`${key}.assign`] = Number(row['assign (gas)']);
    figures[`${key}.respondPerProver`] = Number(row['respond, per prover (gas)']);
    figures[`${key}.fulfill`] = Number(row['fulfill (gas)']);
  }
  console.log(
    JSON.stringify({
      bench: 'gas',
      ...figures,
      challenge: Number(ch.gasUsed),
      hubRuntimeBytes: (code!.length - 2) / 2,
      feeFloorGasPerProver: Number(worstPerProver),
    }),
  );
} finally {
  await chain.anvil.stop();
}
