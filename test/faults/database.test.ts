// Quick fault test (run in CI): the PostgreSQL server restarted under a live network — aggregator, API and an SSE
// client connected — while a request is half answered. Nothing is lost or done twice: the request is fulfilled exactly
// once, its timeline has each aggregator stage once, and the client's stream ends with the fulfilment.
//
// The server is a real PostgreSQL this test starts and restarts itself (initdb in a temporary directory, as CI's
// .ci/run does), so it needs the PostgreSQL binaries; without them the test is skipped and says why. The embedded
// PGlite lives inside the node's process: its "restart" is the process restart, which the aggregator crash test
// (test/aggregator/service.test.ts, SIGKILL then reopen of the same data directory) covers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chownSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Address } from 'viem';
import { requestEvents, responses } from '../../core/db/schema.ts';
import { apiClient } from '../../cli/commands/client.ts';
import { makeBundle, respond } from '../verify/world.ts';
import { API_KEY, hubEvents, requestStatus, startFaultNetwork, until, type FaultNetwork } from './network.ts';

/** The directory holding pg_ctl and initdb, or undefined. */
function postgresBin(): string | undefined {
  const which = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  const candidates = [
    ...(existsSync('/usr/lib/postgresql')
      ? readdirSync('/usr/lib/postgresql')
          .sort()
          .reverse()
          .map((v) => `/usr/lib/postgresql/${v}/bin`)
      : []),
    ...(which ? [path.dirname(which)] : []),
  ];
  return candidates.find((d) => existsSync(path.join(d, 'pg_ctl')) && existsSync(path.join(d, 'initdb')));
}

const bin = postgresBin();
const asRoot = process.getuid?.() === 0;

/** A PostgreSQL server of our own on a free loopback port (as the `postgres` user when we are root). */
class Server {
  dir = '';
  port = 0;
  run(tool: string, ...args: string[]): void {
    const cmd = path.join(bin!, tool);
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe' });
    else execFileSync(cmd, args, { stdio: 'pipe' });
  }
  async init(): Promise<string> {
    this.dir = await mkdtemp(path.join(tmpdir(), 'veritas-faults-pg-'));
    if (asRoot)
      chownSync(
        this.dir,
        Number(execFileSync('id', ['-u', 'postgres']).toString()),
        Number(execFileSync('id', ['-g', 'postgres']).toString()),
      );
    this.port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    this.run('initdb', '-D', path.join(this.dir, 'data'), '-A', 'trust', '-U', 'postgres');
    this.start();
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }
  start(): void {
    this.run(
      'pg_ctl',
      '-D',
      path.join(this.dir, 'data'),
      '-l',
      path.join(this.dir, 'server.log'),
      '-w',
      '-o',
      `-c listen_addresses=127.0.0.1 -p ${this.port} -k ${this.dir}`,
      'start',
    );
  }
  stop(): void {
    this.run('pg_ctl', '-D', path.join(this.dir, 'data'), '-m', 'fast', '-w', 'stop');
  }
  async destroy(): Promise<void> {
    if (!this.dir) return;
    try {
      this.stop();
    } catch {
      /* not running */
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

const server = new Server();
let net: FaultNetwork | undefined;
const skip = bin === undefined ? 'no PostgreSQL binaries (pg_ctl, initdb) on this machine' : false;

before(async () => {
  if (skip) return;
  net = await startFaultNetwork({ operators: 4, databaseUrl: await server.init() });
});
after(async () => {
  await net?.close();
  await server.destroy();
});

test('PostgreSQL restarted mid-request: fulfilled exactly once, the timeline intact, the SSE client sees the end', {
  skip,
}, async () => {
  const n = net!;
  const req = await n.post({ quorum: 2 });
  const [first, second] = req.provers as [Address, Address, Address];
  const stages: string[] = [];
  const following = apiClient(n.api.url, API_KEY).follow(req.requestId, (event, data) => {
    if (event === 'stage') stages.push((data as { stage: string }).stage);
  });
  await respond(n.world, await makeBundle(n.world, req, first, { body: JSON.stringify({ price: 7 }) }));
  await until(
    n,
    async () => {
      const [row] = await n.db.db.select().from(responses).where(eq(responses.requestId, req.requestId));
      return row?.verification === 'valid' ? true : undefined;
    },
    'the first response verified',
  );

  server.stop();
  // While the database is down the API says so (503, DB_ERROR), and the chain moves on: the second prover answers.
  const down = await fetch(`${n.api.url}/v1/requests/${req.requestId}`);
  assert.equal(down.status, 503);
  assert.equal(((await down.json()) as { code: string }).code, 'DB_ERROR');
  await respond(n.world, await makeBundle(n.world, req, second, { body: JSON.stringify({ price: 7 }) }));
  server.start();

  await until(
    n,
    async () => ((await requestStatus(n.world, req.requestId)) === 'fulfilled' ? true : undefined),
    'fulfilment after the restart',
  );
  assert.equal((await hubEvents(n.world, 'RequestFulfilled', req.requestId)).length, 1);
  const end = (await following) as { status: string };
  assert.equal(end.status, 'fulfilled');
  const rows = await n.db.db.select().from(requestEvents).where(eq(requestEvents.requestId, req.requestId));
  const count = (stage: string) => rows.filter((r) => r.stage === stage).length;
  assert.equal(count('aggregated'), 1);
  assert.equal(count('response_verified'), 2);
  assert.equal(new Set(stages).size > 0, true);
  const detail = (await (await fetch(`${n.api.url}/v1/requests/${req.requestId}`)).json()) as {
    status: string;
    records: unknown[];
  };
  assert.equal(detail.status, 'fulfilled');
  assert.equal(detail.records.length, 1);
});
