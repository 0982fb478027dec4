// bench:api — autocannon on loopback against GET /v1/records/:id of a fulfilled request: prints req/s and p99.
// Real PGlite and Helia underneath; the record is seeded once (the bench measures the HTTP read path, not aggregation).
// The API runs in a child process so the load generator does not share its event loop.
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
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

const DURATION_S = 10;
const CONNECTIONS = 50;
const log = pino({ level: 'silent' });

if (process.argv.includes('--serve')) await serve();
else await run();

async function run(): Promise<void> {
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ url: string }];
  try {
    await load(ready.url);
  } finally {
    child.send('stop');
    await once(child, 'exit');
  }
}

async function load(url: string): Promise<void> {
  const check = await fetch(url);
  if (check.status !== 200) throw new Error(`GET ${url} answered ${check.status}`);
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, pipelining: 1 });
  process.stdout.write(
    [
      `GET /v1/records/:id  (${CONNECTIONS} connections, ${DURATION_S} s, loopback, ${availableParallelism()} cores, API in its own process)`,
      `  requests/s  ${result.requests.average.toFixed(0)}   (goal ≥ 5000)`,
      `  latency p99 ${result.latency.p99} ms   (goal ≤ 20 ms)   p50 ${result.latency.p50} ms`,
      `  non-2xx     ${result.non2xx}   errors ${result.errors}`,
      '',
    ].join('\n'),
  );
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
    process.send!({ url: `${api.url}/v1/records/${id}` });
    await once(process, 'message');
    await api.close();
  } finally {
    await ipfs.stop();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}
