// Expiry on time (issue 12): on an otherwise idle devnet, an unanswerable request is expired and refunded within a
// few block intervals of its deadline, because the devnet mines on an interval and the aggregator judges deadlines
// against the head block — not after some unrelated transaction happens to mine a block.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEther } from 'viem';
import { hashJson } from '../../core/canonical.ts';
import { connectChain } from '../../core/chain/clients.ts';
import { getOracleHub, requestData, requestParamsOf } from '../../core/chain/contracts.ts';
import { requestStatusOf } from '../../core/verify/chain.ts';
import { validateSpec } from '../../schemas/validate.ts';
import { hubEvent, useDevnet } from '../support/network.ts';

const net = useDevnet('expiry', { operators: 2 });

test('an SSRF-refused request on an idle devnet is expired and refunded within a few blocks of its deadline', async () => {
  const { devnet } = net;
  const consumer = await connectChain(devnet.rpcUrl, devnet.keys.at(-1)!, { chainId: devnet.chainId });
  const { publicClient } = devnet.deployer;
  const head = await publicClient.getBlock();
  const deadline = Number(head.timestamp) + 10;
  // 10.0.0.1 is refused by every operator's SSRF policy before any connection: nobody can answer
  const spec = validateSpec({
    url: 'https://10.0.0.1/v1/private',
    extract: { jsonPath: '$.balance' },
    quorum: 1,
    deadline,
  });
  const specCid = await devnet.ipfs.addJson(spec);
  const fee = parseEther('0.01');
  const hub = getOracleHub(devnet.deployment.hub, { publicClient });
  const before = await hub.read.balanceOf([consumer.walletClient.account.address]);
  const { requestId } = await requestData(consumer, devnet.deployment.hub, {
    specHash: hashJson(spec),
    specCid,
    params: requestParamsOf(spec),
    fee,
  });
  // nothing else is sent to the chain from here on: only interval mining moves it
  const { blockNumber: block } = await hubEvent(devnet, 'RequestExpired', requestId);
  const expiredTime = Number((await publicClient.getBlock({ blockNumber: block })).timestamp);
  const late = expiredTime - deadline;
  process.stdout.write(`# expired ${late} s (chain time) after the deadline, in block ${block}\n`);
  assert.ok(late >= 1, 'not before the deadline');
  // one block interval is 1 s and the aggregator polls every 250 ms; allow a loaded machine a few passes
  assert.ok(late <= 10, `expired ${late} s after its deadline`);
  assert.equal(requestStatusOf((await hub.read.getRequest([requestId])).status), 'expired');
  assert.equal((await hub.read.balanceOf([consumer.walletClient.account.address])) - before, fee, 'fee refunded');
});
