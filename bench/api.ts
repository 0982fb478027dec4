// bench:api — autocannon on loopback against GET /v1/records/:id of a fulfilled request, and in the same run against a
// bare hono handler returning a constant JSON body of the same bytes: prints both and their ratios, which survive a
// noisy machine where absolute figures do not. Real PGlite and Helia underneath; the record is seeded once (the
// bench measures the HTTP read path, not aggregation). Both servers run in one child process, measured one after
// the other, so the load generator does not share their event loop and each gets the same CPU.
//
// Two kinds of figure: what the load generator sees (req/s, p99), which on 2 shared cores depends on how much CPU
// autocannon itself gets, and the servers' own CPU time per request (process.cpuUsage() of the child around each
// round), which does not depend on the client and varies far less with the machine's load.
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
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
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
};
// autocannon ships no types; only these fields are read
const autocannon = createRequire(import.meta.url)('autocannon') as (
  o: Record<string, unknown>,
) => Promise<AutocannonResult>;

const GOALS = { throughput: 0.5, p99: 2 } as const;
const DURATION_S = 3;
/** Untimed load on each server first, so neither round 1 pays for the JIT compiling its code. */
const WARMUP_S = 1;
/**
 * Baseline and API alternate, round by round (ABBA order: neither always goes first), so a load swing on a shared
 * machine hits both alike; each round gives one pair of ratios, and their spread shows how far to trust them.
 */
const ROUNDS = 5;
const CONNECTIONS = 50;
const log = pino({ level: 'silent' });

/** One autocannon run plus the server process's CPU time (user + system) spent during it. */
type Round = AutocannonResult & { cpuUsPerRequest: number };

if (process.argv.includes('--serve')) await serve();
else await run();

async function run(): Promise<void> {
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ url: string; bare: string }];
  try {
    await load(child, ready.url, ready.bare);
  } finally {
    child.send('stop');
    await once(child, 'exit');
  }
}

/** The child's CPU time so far, in µs. */
async function childCpuUs(child: ChildProcess): Promise<number> {
  child.send('cpu');
  const [usage] = (await once(child, 'message')) as [NodeJS.CpuUsage];
  return usage.user + usage.system;
}

async function measure(child: ChildProcess, url: string, durationS = DURATION_S): Promise<Round> {
  const check = await fetch(url);
  if (check.status !== 200) throw new Error(`GET ${url} answered ${check.status}`);
  const before = await childCpuUs(child);
  const r = await autocannon({ url, connections: CONNECTIONS, duration: durationS, pipelining: 1 });
  const cpu = (await childCpuUs(child)) - before;
  return { ...r, cpuUsPerRequest: cpu / Math.max(r.requests.total, 1) };
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/** Rounds combined: mean throughput, median p99, p50 and CPU per request, summed failures. */
function combine(runs: Round[]): Round {
  return {
    requests: {
      average: runs.reduce((n, r) => n + r.requests.average, 0) / runs.length,
      total: runs.reduce((n, r) => n + r.requests.total, 0),
    },
    latency: { p50: median(runs.map((r) => r.latency.p50)), p99: median(runs.map((r) => r.latency.p99)) },
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    cpuUsPerRequest: median(runs.map((r) => r.cpuUsPerRequest)),
  };
}

// autocannon reports whole milliseconds: a 0 ms p99 would divide by zero, so both are floored at 1 ms
function p99Ratio(api: Round, bare: Round): number {
  return Math.max(api.latency.p99, 1) / Math.max(bare.latency.p99, 1);
}

/** "0.52× (rounds 0.49–0.55)": a ratio with the range of the per-round ratios. */
function spread(value: number, perRound: number[]): string {
  return `${value.toFixed(2)}×   (rounds ${Math.min(...perRound).toFixed(2)}–${Math.max(...perRound).toFixed(2)})`;
}

async function load(child: ChildProcess, url: string, bareUrl: string): Promise<void> {
  const bytes = (await (await fetch(url)).arrayBuffer()).byteLength;
  const loadBefore = loadavg()[0]!;
  await measure(child, bareUrl, WARMUP_S);
  await measure(child, url, WARMUP_S);
  // same generator, connections and duration for both, alternating in one run
  const bareRuns: Round[] = [];
  const apiRuns: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) {
      bareRuns.push(await measure(child, bareUrl));
      apiRuns.push(await measure(child, url));
    } else {
      apiRuns.push(await measure(child, url));
      bareRuns.push(await measure(child, bareUrl));
    }
  }
  const loadAfter = loadavg()[0]!;
  const bare = combine(bareRuns);
  const api = combine(apiRuns);
  const throughput = api.requests.average / bare.requests.average;
  const p99 = p99Ratio(api, bare);
  const cpu = api.cpuUsPerRequest / bare.cpuUsPerRequest;
  const rounds = apiRuns.map((a, i) => ({ api: a, bare: bareRuns[i]! }));
  const throughputRounds = rounds.map((r) => r.api.requests.average / r.bare.requests.average);
  const p99Rounds = rounds.map((r) => p99Ratio(r.api, r.bare));
  const cpuRounds = rounds.map((r) => r.api.cpuUsPerRequest / r.bare.cpuUsPerRequest);
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const line = (name: string, r: Round) =>
    `  ${name.padEnd(22)} ${r.requests.average.toFixed(0).padStart(7)} req/s   p99 ${String(r.latency.p99).padStart(3)} ms   ` +
    `p50 ${r.latency.p50} ms   server CPU ${r.cpuUsPerRequest.toFixed(0).padStart(3)} µs/req   ` +
    `non-2xx ${r.non2xx}   errors ${r.errors}`;
  process.stdout.write(
    [
      `GET /v1/records/:id vs a bare hono handler returning the same ${bytes} bytes`,
      `  (${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION_S} s each after ${WARMUP_S} s warm-up, ` +
        `loopback, ${availableParallelism()} cores, servers in their own process; load ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)})`,
      line('bare hono', bare),
      line('API record endpoint', api),
      `  throughput ratio ${spread(throughput, throughputRounds)}   (goal ≥ ${GOALS.throughput}×: ${met(throughput >= GOALS.throughput)})`,
      `  p99 ratio        ${spread(p99, p99Rounds)}   (goal ≤ ${GOALS.p99}×: ${met(p99 <= GOALS.p99)})`,
      `  CPU/request ratio ${spread(cpu, cpuRounds)}   (server CPU time per request, API ÷ bare: reported)`,
      '',
    ].join('\n'),
  );
  // for bench/index.ts: the first key matching /throughput.*ratio/ and /p99.*ratio/ are the goal figures
  const r2 = (x: number) => Math.round(x * 100) / 100;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'api',
      throughputRatio: r2(throughput),
      p99Ratio: r2(p99),
      throughputRatioRounds: throughputRounds.map(r2),
      p99RatioRounds: p99Rounds.map(r2),
      cpuPerRequestRatio: r2(cpu),
      apiRequestsPerSec: Math.round(api.requests.average),
      bareRequestsPerSec: Math.round(bare.requests.average),
      apiP99Ms: api.latency.p99,
      bareP99Ms: bare.latency.p99,
      apiCpuUsPerRequest: Math.round(api.cpuUsPerRequest),
      bareCpuUsPerRequest: Math.round(bare.cpuUsPerRequest),
      non2xx: api.non2xx + bare.non2xx,
      loadBefore: r2(loadBefore),
      loadAfter: r2(loadAfter),
    })}\n`,
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
    // 'cpu': this process's CPU time so far (the parent brackets each round with it); anything else: stop
    let onMessage: (m: unknown) => void = () => {};
    const stop = new Promise<void>((resolve) => {
      onMessage = (m) => (m === 'cpu' ? process.send!(process.cpuUsage()) : resolve());
    });
    process.on('message', onMessage);
    process.send!({ url, bare: bare.url });
    await stop;
    // a listener left on the IPC channel would keep this process alive after the servers close
    process.off('message', onMessage);
    await bare.close();
    await api.close();
  } finally {
    await ipfs.stop();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}
