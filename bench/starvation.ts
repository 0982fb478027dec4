// Starvation load test (issue 13, invariant 6): on a devnet, 200 minimum-fee requests that can never be served (half
// with an unfetchable spec CID, half with a pinned document that is not a valid spec), all assigned so the operators
// get their jobs, are posted ahead of 5 paid, servable ones (the fixture site, quorum 1, real MPC-TLS). Prints whether
// a zero fee reverts, how many paid requests were fulfilled and how fast, how many of the others expired, the
// aggregator's pass time (p50 / max, from its pass-duration stats) and the order the operators took their jobs in.
// The last line is JSON for `npm run bench -- --only starvation`.
//
//   npm run bench:starvation -- [--junk 200] [--paid 5] [--timeout 900]
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { pino } from 'pino';
import type { Hex } from 'viem';
import { hashJson } from '../core/canonical.ts';
import { connectChain } from '../core/chain/clients.ts';
import { assignRequest, getOracleHub, requestData, requestParamsOf, revertErrorName } from '../core/chain/contracts.ts';
import { aggregatorWork } from '../core/db/schema.ts';
import { initLogger } from '../core/log.ts';
import { requestStatusOf } from '../core/verify/chain.ts';
import { RequestSpec } from '../schemas/spec.ts';
import { privateBalanceSpec, startDevnet } from '../cli/devnet.ts';

const { values } = parseArgs({
  options: {
    junk: { type: 'string', default: '200' },
    paid: { type: 'string', default: '5' },
    timeout: { type: 'string', default: '900' },
    /** the devnet's log level, to stderr (default silent) */
    log: { type: 'string', default: 'silent' },
  },
});
const JUNK = Number(values.junk);
const PAID = Number(values.paid);
initLogger({ level: 'warn' });
const log = pino({ level: values.log }, pino.destination(2));
const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
const note = (s: string) => process.stderr.write(`[starvation ${elapsed()}] ${s}\n`);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
};
const hardStop = setTimeout(() => {
  note(`timed out after ${values.timeout} s`);
  process.exit(2);
}, Number(values.timeout) * 1000);
hardStop.unref();

const dataDir = await mkdtemp(path.join(tmpdir(), 'veritas-starvation-'));
const loadAtStart = load();
note(`load ${loadAtStart}; starting the devnet`);
const devnet = await startDevnet({ dataDir, log, operators: 3 });
try {
  // the API's consumer key; the API itself sends nothing in this run, so this client's nonces are the only ones
  const consumerKey = devnet.keys[devnet.keys.length - 1]!;
  const consumer = await connectChain(devnet.rpcUrl, consumerKey, { chainId: devnet.chainId });
  const hub = getOracleHub(devnet.deployment.hub, consumer);
  const head = async () => Number((await consumer.publicClient.getBlock()).timestamp);
  const active = devnet.operators.length;
  const minFee = (await hub.read.minFeePerProver()) * (await hub.read.sampleSize([1, BigInt(active)]));

  // 1. a zero fee reverts
  const probe = RequestSpec.parse(privateBalanceSpec(1, (await head()) + 300));
  let zeroFee = 'accepted (!)';
  try {
    await requestData(consumer, devnet.deployment.hub, {
      specHash: hashJson(probe),
      specCid: await devnet.ipfs.addJson(probe),
      params: requestParamsOf(probe),
      fee: 0n,
    });
  } catch (e) {
    zeroFee = `reverted ${revertErrorName(e) ?? (e as Error).message}`;
  }
  note(`zero fee: ${zeroFee}; minimum fee ${minFee} wei`);

  // who started what, in order, from the operators' own stage events
  const firstActivity = new Map<string, string[]>(); // operator → request ids in the order work on them began
  const seen = new Set<string>();
  for (const op of devnet.operators)
    op.events.on('stage', (e) => {
      if (e.stage === 'queued') return;
      const key = `${e.operator}:${e.requestId}`;
      if (seen.has(key)) return;
      seen.add(key);
      firstActivity.set(e.operator, [...(firstActivity.get(e.operator) ?? []), e.requestId]);
    });

  // 2. the junk: minimum fee, short deadline, assigned (by us: anyone may) so operators get the jobs
  const junkDeadline = (await head()) + 240;
  const junk: Hex[] = [];
  const junkSpec = RequestSpec.parse(privateBalanceSpec(1, junkDeadline));
  for (let i = 0; i < JUNK; i += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, JUNK - i) }, async (_, k) => {
        const n = i + k;
        let specCid: string;
        let specHash: Hex;
        if (n % 2 === 0) {
          specCid = CID.create(1, 0x0200, await sha256.digest(randomBytes(32))).toString(); // nobody has it
          specHash = hashJson(junkSpec);
        } else {
          const notASpec = { name: `junk ${n}`, url: 'not a url' }; // pinned, hash matches, does not validate
          specCid = await devnet.ipfs.addJson(notASpec);
          specHash = hashJson(notASpec);
        }
        const r = await requestData(consumer, devnet.deployment.hub, {
          specHash,
          specCid,
          params: requestParamsOf(junkSpec),
          fee: minFee,
        });
        return r.requestId;
      }),
    );
    junk.push(...batch);
  }
  note(`${junk.length} junk requests posted (fee ${minFee} wei, deadline in ≈240 s); assigning them`);
  for (let i = 0; i < junk.length; i += 20)
    await Promise.all(
      junk.slice(i, i + 20).map((id) => assignRequest(consumer, devnet.deployment.hub, id).catch(() => undefined)),
    );

  // 3. the paid requests, after the junk
  const paid = new Map<Hex, { postedAt: number; fulfilledAt?: number }>();
  const paidFee = minFee * 100n;
  const paidDeadline = (await head()) + 600;
  for (let i = 0; i < PAID; i++) {
    const spec = RequestSpec.parse({ ...privateBalanceSpec(1, paidDeadline), name: `paid ${i}` });
    const r = await requestData(consumer, devnet.deployment.hub, {
      specHash: hashJson(spec),
      specCid: await devnet.ipfs.addJson(spec),
      params: requestParamsOf(spec),
      fee: paidFee,
    });
    paid.set(r.requestId, { postedAt: performance.now() });
  }
  note(`${PAID} paid requests posted (fee ${paidFee} wei); waiting for them (real MPC-TLS)`);
  const status = async (id: Hex) => requestStatusOf((await hub.read.getRequest([id])).status);
  while ([...paid.values()].some((p) => p.fulfilledAt === undefined)) {
    for (const [id, p] of paid)
      if (p.fulfilledAt === undefined) {
        const s = await status(id);
        if (s === 'fulfilled') p.fulfilledAt = performance.now();
        if (s === 'expired') p.fulfilledAt = Number.NaN;
      }
    await new Promise((r) => setTimeout(r, 1000));
  }
  note('paid requests settled; moving the chain past the junk deadlines');
  const now = await head();
  if (now <= junkDeadline) {
    await devnet.deployer.publicClient.request({
      method: 'evm_increaseTime' as never,
      params: [junkDeadline - now + 2] as never,
    });
  }
  let expired = 0;
  for (;;) {
    const states = await Promise.all(junk.map(status));
    expired = states.filter((s) => s === 'expired').length;
    if (expired === junk.length || performance.now() - t0 > (Number(values.timeout) - 30) * 1000) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  const work = await devnet.database.db.select().from(aggregatorWork);
  const attempts = work.filter((w) => junk.includes(w.requestId as Hex)).map((w) => w.attempts);
  const passMs = devnet.aggregator.stats().passMs;
  const paidMs = [...paid.values()].map((p) => (p.fulfilledAt ?? Number.NaN) - p.postedAt);
  const fulfilled = paidMs.filter((x) => Number.isFinite(x)).length;

  const paidIds = new Set(paid.keys());
  const ordering = [...firstActivity.entries()].map(([op, ids]) => {
    const firstPaid = ids.findIndex((id) => paidIds.has(id as Hex));
    return {
      operator: op,
      started: ids.length,
      paid: ids.filter((id) => paidIds.has(id as Hex)).length,
      firstPaidAt: firstPaid < 0 ? null : firstPaid + 1,
      sequence: ids
        .slice(0, 24)
        .map((id) => (paidIds.has(id as Hex) ? 'P' : 'j'))
        .join(''),
    };
  });
  const loadAtEnd = load();
  process.stdout.write(
    [
      '',
      `zero-fee request:          ${zeroFee}`,
      `paid fulfilled:            ${fulfilled}/${PAID}  (post → fulfilled p50 ${(pct(paidMs, 50) / 1000).toFixed(1)} s, max ${(Math.max(...paidMs) / 1000).toFixed(1)} s)`,
      `junk expired (refundable): ${expired}/${junk.length}`,
      `junk attempts (aggregator): ended ${work.filter((w) => w.endedCode).length}, attempts max ${Math.max(0, ...attempts)}, total ${attempts.reduce((a, b) => a + b, 0)}`,
      `aggregator pass:           p50 ${pct(passMs, 50).toFixed(0)} ms, max ${Math.max(...passMs).toFixed(0)} ms over ${passMs.length} passes`,
      'operator job order (P = paid, j = junk; first activity on each job, in order):',
      ...ordering.map(
        (o) =>
          `  ${o.operator.slice(0, 10)}…  started ${o.started}, paid ${o.paid}, first paid at #${o.firstPaidAt ?? '—'}  ${o.sequence}`,
      ),
      `load (1/5/15 min):         start ${loadAtStart}; end ${loadAtEnd}; wall ${elapsed()}`,
      '',
    ].join('\n'),
  );
  process.stdout.write(
    `${JSON.stringify({
      bench: 'starvation',
      zeroFeeReverts: zeroFee.startsWith('reverted') ? 1 : 0,
      paidFulfilled: fulfilled,
      paidTotal: PAID,
      paidP50Ms: Math.round(pct(paidMs, 50)),
      junkExpired: expired,
      junkTotal: junk.length,
      junkAttemptsMax: Math.max(0, ...attempts),
      passP50Ms: Math.round(pct(passMs, 50)),
      passMaxMs: Math.round(Math.max(...passMs)),
      load: loadAtEnd,
    })}\n`,
  );
  process.exitCode = fulfilled === PAID && expired === junk.length ? 0 : 1;
} finally {
  await devnet.stop();
  await rm(dataDir, { recursive: true, force: true });
}
