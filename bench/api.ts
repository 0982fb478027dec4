// bench:api — autocannon on loopback against GET /v1/records/:id of a fulfilled request, and in the same run against a
// bare hono handler returning a constant JSON body of the same bytes: prints both and their ratios, which survive a
// noisy machine where absolute figures do not. Real PGlite and Helia underneath; the record is seeded once (the
// bench measures the HTTP read path, not aggregation). Both servers run in one child process, measured one after
// the other, so the load generator does not share their event loop and each gets the same CPU.
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { serve as serveHono, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { pino } from 'pino';
import { hashJson } from '../core/canonical.ts';
import { openDatabase } from '../core/db/client.ts';
import { records, requests } from '../core/db/schema.ts';
import { createIpfs } from '../core/ipfs.ts';
import { buildRecordTree } from '../core/merkle.ts';
import { createVeritasPublicClient } from '../core/chain/clients.ts';
import type { DatasetRecord } from '../schemas/record.ts';
import { startApi } from '../api/app.ts';

type AutocannonResult = {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
};
// autocannon ships no types; only these fields are read
const autocannon = createRequire(import.meta.url)('autocannon') as (
  o: Record<string, unknown>,
) => Promise<AutocannonResult>;

const GOALS = { throughput: 0.5, p99: 2 } as const;
const DURATION_S = 5;
/** Baseline and API alternate, round by round, so a load swing on a shared machine hits both alike. */
const ROUNDS = 3;
const CONNECTIONS = 50;
const log = pino({ level: 'silent' });

if (process.argv.includes('--serve')) await serve();
else await run();

async function run(): Promise<void> {
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ url: string; bare: string }];
  try {
    await load(ready.url, ready.bare);
  } finally {
    child.send('stop');
    await once(child, 'exit');
  }
}

async function measure(url: string): Promise<AutocannonResult> {
  const check = await fetch(url);
  if (check.status !== 200) throw new Error(`GET ${url} answered ${check.status}`);
  return autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, pipelining: 1 });
}

/** Rounds combined: mean throughput, median p99 and p50, summed failures. */
function combine(runs: AutocannonResult[]): AutocannonResult {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    requests: { average: runs.reduce((n, r) => n + r.requests.average, 0) / runs.length },
    latency: { p50: median(runs.map((r) => r.latency.p50)), p99: median(runs.map((r) => r.latency.p99)) },
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
  };
}

async function load(url: string, bareUrl: string): Promise<void> {
  const bytes = (await (await fetch(url)).arrayBuffer()).byteLength;
  // same generator, connections and duration for both, alternating in one run
  const bareRuns: AutocannonResult[] = [];
  const apiRuns: AutocannonResult[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    bareRuns.push(await measure(bareUrl));
    apiRuns.push(await measure(url));
  }
  const bare = combine(bareRuns);
  const api = combine(apiRuns);
  const throughput = api.requests.average / bare.requests.average;
  // autocannon reports whole milliseconds: a 0 ms p99 would divide by zero, so both are floored at 1 ms
  const p99 = Math.max(api.latency.p99, 1) / Math.max(bare.latency.p99, 1);
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const line = (name: string, r: AutocannonResult) =>
    `  ${name.padEnd(22)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p99 ${String(r.latency.p99).padStart(3)} ms   ` +
    `p50 ${r.latency.p50} ms   non-2xx ${r.non2xx}   errors ${r.errors}`;
  process.stdout.write(
    [
      `GET /v1/records/:id vs a bare hono handler returning the same ${bytes} bytes`,
      `  (${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION_S} s each, loopback, ${availableParallelism()} cores, servers in their own process)`,
      line('bare hono', bare),
      line('API record endpoint', api),
      `  throughput ratio ${throughput.toFixed(2)}×   (goal ≥ ${GOALS.throughput}×: ${met(throughput >= GOALS.throughput)})`,
      `  p99 ratio        ${p99.toFixed(2)}×   (goal ≤ ${GOALS.p99}×: ${met(p99 <= GOALS.p99)})`,
      '',
    ].join('\n'),
  );
}

/** The baseline: hono on the same node server, one route, a constant body, no middleware. */
async function serveBare(body: Uint8Array): Promise<{ url: string; close(): Promise<void> }> {
  const app = new Hono();
  app.get('/record', (c) => c.body(body as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': 'application/json' }));
  const server = await new Promise<ServerType>((resolve) => {
    const s = serveHono({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/record`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function serve(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'veritas-bench-api-'));
  const db = await openDatabase({ dataDir: join(dir, 'data'), log });
  const ipfs = await createIpfs({ dir: join(dir, 'ipfs'), network: 'none', log });
  try {
    const requestId = `0x${'11'.repeat(32)}` as const;
    const record: DatasetRecord = {
      version: 1,
      chainId: 31337,
      hub: `0x${'22'.repeat(20)}`,
      requestId,
      index: 0,
      value: 1234.5,
      url: 'https://api.example.test/price',
      specCid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
      extract: { jsonPath: '$.price' },
      policy: { policy: 'median', madK: 3, band: 0.01 },
      trust: 'devnet',
      sources: [1, 2, 3].map((i) => ({
        prover: `0x${String(i).repeat(40)}` as const,
        notary: `0x${String(i + 3).repeat(40)}` as const,
        bundleCid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
        serverName: 'api.example.test',
        tlsTime: 1_700_000_000,
        resultHash: hashJson(1234.5),
        value: 1234.5,
      })),
    };
    const tree = buildRecordTree([{ requestId, index: 0, valueHash: hashJson(1234.5), recordHash: hashJson(record) }]);
    const id = tree.leafHash(0);
    await db.db.insert(requests).values({
      id: requestId,
      consumer: `0x${'33'.repeat(20)}`,
      specHash: hashJson({}),
      specCid: record.specCid,
      quorum: 3,
      deadline: 1_900_000_000,
      fee: '0',
      status: 'fulfilled',
      merkleRoot: tree.root,
    });
    await db.db
      .insert(records)
      .values({ id, requestId, index: 0, value: record.value, leafHash: id, proof: tree.proof(0), provenance: record });
    const api = await startApi({
      db: db.db,
      ipfs,
      // the record route never touches the chain; a client to a closed port stands in
      chain: {
        publicClient: createVeritasPublicClient('http://127.0.0.1:9', 31337),
        hubAddress: record.hub,
        chainId: 31337,
      },
      config: { api: { host: '127.0.0.1', port: 0, apiKeys: [], corsOrigins: [], rateLimitPerMin: 1_000_000_000 } },
      log,
    });
    const url = `${api.url}/v1/records/${id}`;
    const bare = await serveBare(new Uint8Array(await (await fetch(url)).arrayBuffer()));
    process.send!({ url, bare: bare.url });
    await once(process, 'message');
    await bare.close();
    await api.close();
  } finally {
    await ipfs.stop();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}
