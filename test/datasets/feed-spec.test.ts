// A feed's spec is a template with no deadline: each round's request carries its own on-chain deadline. Operators,
// the aggregator and `veritas verify` must read the template as that round's spec, with parameters that match the
// round's on-chain ones (a median's band included), or no feed round could ever be answered.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { pino } from 'pino';
import { hashJson } from '../../core/canonical.ts';
import { paramsMatchSpec, requestParamsOf } from '../../core/chain/contracts.ts';
import { createIpfs, type IpfsNode } from '../../core/ipfs.ts';
import { loadSpec, specOfDocument } from '../../core/spec.ts';
import { RequestSpec } from '../../schemas/spec.ts';

const template = {
  name: 'Fixture price',
  url: 'https://api.veritas.test/v1/price',
  extract: { jsonPath: '$.price' },
  value: { type: 'number', precision: 2 },
  aggregation: { policy: 'median', band: 0.02 },
  quorum: 1,
};

let dir: string;
let ipfs: IpfsNode;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veritas-feed-spec-'));
  ipfs = await createIpfs({ dir, network: 'none', log: pino({ level: 'silent' }) });
});
after(async () => {
  await ipfs?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('a pinned template loads as the round’s spec, with the on-chain deadline', async () => {
  const cid = await ipfs.addJson(template);
  const spec = await loadSpec(ipfs, cid, hashJson(template), 5_000, 1_900_000_123n);
  assert.equal(spec.deadline, 1_900_000_123);
  assert.equal(spec.url, template.url);
});

it('a spec that states its deadline keeps it; a template without an on-chain deadline is still invalid', () => {
  assert.equal(specOfDocument({ ...template, deadline: 5 }, 99).deadline, 5);
  assert.throws(() => specOfDocument(template), /deadline/);
});

it('the terms `veritas feed create` derives match what operators and the aggregator expect of each round', () => {
  const spec = RequestSpec.parse({ ...template, deadline: 1 });
  const { quorum, policy, minAgreement, bandBps } = requestParamsOf(spec);
  assert.equal(bandBps, 200, 'the median’s band is on-chain');
  const roundDeadline = 1_900_000_000n;
  const onChain = { quorum, policy, minAgreement, bandBps, deadline: roundDeadline };
  assert.ok(paramsMatchSpec(onChain, specOfDocument(template, roundDeadline)));
});
