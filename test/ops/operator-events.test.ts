// Operator event feeds: an operator with a database of its own serves its stages on its notary port and the API,
// which finds it only through OperatorRegistry metadata, streams them over SSE. Feeds are external input: a forged
// source, an unknown stage, an unknown request and an oversized page are refused and logged, and nothing else is lost.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import type { Hex } from 'viem';
import { operatorRegistryAbi } from '../../core/chain/contracts.ts';
import { openDatabase, type DatabaseHandle } from '../../core/db/client.ts';
import { requestEvents } from '../../core/db/schema.ts';
import { encodeOperatorMetadata } from '../../core/operator-metadata.ts';
import { createApi, startApi } from '../../api/app.ts';
import { operatorHealth } from '../../operator/health.ts';
import { API_KEY, type Env, hex, readSse, startEnv, validSpec } from '../api/harness.ts';
import { send } from '../support/chain.ts';

let env: Env;
let opDb: DatabaseHandle;
const servers: http.Server[] = [];
before(async () => {
  env = await startEnv();
  opDb = await openDatabase({ dataDir: join(env.dir, 'operator-own'), log: pino({ level: 'silent' }) });
});
after(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  await opDb?.close();
  await env?.close();
});

const listen = async (handler: http.RequestListener): Promise<string> => {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

test('an operator’s own events reach the API’s SSE; forged, malformed and oversized feeds are refused and logged', async () => {
  const { chain } = env.v;
  // accounts 7–9 are not registered by the fixture: an honest operator, a forger and one that floods
  const [honest, forger, flooder] = [chain.wallets[7]!, chain.wallets[8]!, chain.wallets[9]!];
  const addr = (w: typeof honest) => w.account.address.toLowerCase() as Hex;

  const app = createApi(env.deps());
  const res = await app.request('/v1/requests', {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    // half the test chain's 3600 s deadline window (see test/verify/world.ts baseSpec)
    body: JSON.stringify({ spec: validSpec(Math.floor(Date.now() / 1000) + 1800), fee: '1000' }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { requestId } = (await res.json()) as { requestId: Hex };

  // The honest operator: the real feed handler over a database of its own. Its rows are written directly, as its
  // job loop's onStage would (a session is not what this test is about).
  const health = operatorHealth({ db: opDb.db, publicClient: chain.publicClient, address: addr(honest) });
  health.markReady();
  const honestUrl = await listen((req, r) => {
    if (!health.handle(req, r)) r.writeHead(404).end();
  });
  await opDb.db.insert(requestEvents).values([
    { requestId, source: addr(honest), stage: 'queued', detail: null },
    { requestId, source: addr(honest), stage: 'mpc-progress', detail: { fraction: 0.5, bytes: 10, expectedBytes: 20 } },
    // a request that does not exist on-chain
    { requestId: hex(32), source: addr(honest), stage: 'queued', detail: null },
  ]);

  const at = new Date().toISOString();
  const forgerUrl = await listen((_req, r) =>
    r.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        operator: addr(forger),
        events: [
          // speaks for the honest operator
          { id: 1, requestId, source: addr(honest), at, stage: 'attested', detail: null },
          // a stage nobody knows
          { id: 2, requestId, source: addr(forger), at, stage: 'sneaky', detail: null },
          // progress of the wrong shape
          { id: 3, requestId, source: addr(forger), at, stage: 'mpc-progress', detail: { fraction: 7 } },
          // its own, valid event: kept
          { id: 4, requestId, source: addr(forger), at, stage: 'notary-connected', detail: null },
        ],
        next: 4,
      }),
    ),
  );
  const flooderUrl = await listen((_req, r) => {
    const big = { id: 1, requestId, source: addr(flooder), at, stage: 'queued', detail: { pad: 'x'.repeat(1500) } };
    r.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ operator: addr(flooder), events: Array(200).fill(big), next: 1 }),
    );
  });
  for (const [w, url] of [
    [honest, honestUrl],
    [forger, forgerUrl],
    [flooder, flooderUrl],
  ] as const)
    await send(chain, w, {
      address: env.v.registry,
      abi: operatorRegistryAbi,
      functionName: 'register',
      args: [encodeOperatorMetadata({ notaryUrl: url })],
      value: env.v.minBond,
    });

  const warnings: { operator: string; reason: string }[] = [];
  let oversized!: () => void;
  const flooded = new Promise<void>((r) => {
    oversized = r;
  });
  const log = pino(
    { level: 'warn' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        const line = JSON.parse(chunk.toString()) as { operator: string; reason: string; err?: string };
        warnings.push(line);
        if (line.operator === addr(flooder) && /over \d+ bytes/.test(line.err ?? '')) oversized();
        done();
      },
    }),
  );
  const deps = { ...env.deps({ options: { ssePollMs: 20 } }), log };
  const api = await startApi(deps, { followOperators: { allowPrivate: true, pollIntervalMs: 50 } });
  try {
    const sse = await fetch(`${api.url}/v1/requests/${requestId}/events`);
    const { events } = await readSse(sse, (es) => {
      const stages = es
        .filter((e) => e.event === 'stage')
        .map((e) => JSON.parse(e.data) as { source: string; stage: string });
      return (
        stages.some((s) => s.source === addr(honest) && s.stage === 'mpc-progress') &&
        stages.some((s) => s.source === addr(forger) && s.stage === 'notary-connected')
      );
    });
    const progress = events
      .map((e) => JSON.parse(e.data) as { stage?: string; detail?: unknown })
      .find((e) => e.stage === 'mpc-progress');
    assert.deepEqual(progress?.detail, { fraction: 0.5, bytes: 10, expectedBytes: 20 });
    await flooded;
  } finally {
    await api.close();
  }

  const rows = await env.db.db.select().from(requestEvents).where(eq(requestEvents.requestId, requestId));
  const seen = rows.map(
    (r) => `${r.source === addr(honest) ? 'honest' : r.source === addr(forger) ? 'forger' : r.source}:${r.stage}`,
  );
  assert.deepEqual(seen.toSorted(), [
    'api:requested',
    'forger:notary-connected',
    'honest:mpc-progress',
    'honest:queued',
  ]);
  const reasons = (operator: Hex) => new Set(warnings.filter((w) => w.operator === operator).map((w) => w.reason));
  assert.deepEqual([...reasons(addr(forger))].toSorted(), ['event', 'forged source']);
  assert.ok(reasons(addr(honest)).has('unknown request'));
  assert.ok(reasons(addr(flooder)).has('INPUT_INVALID'));
  // the fixture's operators advertise no valid metadata: skipped and said so, the others still followed
  assert.ok(warnings.some((w) => w.reason === 'metadata'));
});
