// Test set-up for the API: a real PGlite database, a real Helia node (no network), a real anvil with the contracts
// deployed and operators registered, and helpers that seed rows the way the indexer and aggregator write them.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createParser } from 'eventsource-parser';
import { pino } from 'pino';
import type { Hex } from 'viem';
import { hashJson } from '../../core/canonical.ts';
import { openDatabase, type DatabaseHandle } from '../../core/db/client.ts';
import { assignments, bundles, operators, requestEvents, requests, responses } from '../../core/db/schema.ts';
import { createIpfs, type IpfsNode } from '../../core/ipfs.ts';
import { buildRecordTree } from '../../core/merkle.ts';
import type { Config } from '../../core/config.ts';
import type { ProvenanceBundle } from '../../schemas/bundle.ts';
import type { DatasetRecord } from '../../schemas/record.ts';
import { RequestSpec } from '../../schemas/spec.ts';
import { encodeTranscript } from '../../schemas/transcript.ts';
import { validateDocument } from '../../schemas/validate.ts';
import { startApi, type RunningApi } from '../../api/app.ts';
import type { ApiDeps, ApiOptions } from '../../api/deps.ts';
import { deployFixture, startChain, type Veritas } from '../support/chain.ts';
import { storeFulfilment } from '../support/database.ts';

export const log = pino({ level: 'silent' });
export const API_KEY = 'test-key-0123456789';

export type Env = {
  dir: string;
  db: DatabaseHandle;
  ipfs: IpfsNode;
  v: Veritas;
  deps: (over?: { api?: Partial<Config['api']>; options?: ApiOptions; signer?: boolean }) => ApiDeps;
  close(): Promise<void>;
};

/** startEnv, and the chain's time at the start (tests put deadlines relative to it, not to the wall clock). */
export async function startEnvAtChainTime(): Promise<{ env: Env; now: number }> {
  const env = await startEnv();
  return { env, now: Number((await env.v.chain.publicClient.getBlock()).timestamp) };
}

export async function startEnv(): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), 'veritas-api-'));
  const [db, ipfs, chain] = await Promise.all([
    openDatabase({ dataDir: join(dir, 'data'), log }),
    createIpfs({ dir: join(dir, 'ipfs'), network: 'none', log }),
    startChain(10),
  ]);
  const v = await deployFixture(chain, { operatorCount: 3 });
  const deps: Env['deps'] = (over = {}) => ({
    db: db.db,
    ipfs,
    chain: {
      publicClient: chain.publicClient,
      walletClient: over.signer === false ? undefined : v.consumer,
      hubAddress: v.hub,
      chainId: chain.anvil.chainId,
    },
    config: {
      api: { host: '127.0.0.1', port: 0, apiKeys: [API_KEY], corsOrigins: [], rateLimitPerMin: 100_000, ...over.api },
    },
    log,
    options: { ssePollMs: 20, ...over.options },
  });
  return {
    dir,
    db,
    ipfs,
    v,
    deps,
    async close() {
      await ipfs.stop();
      await db.close();
      await chain.anvil.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const hex = (bytes: number): `0x${string}` => `0x${randomBytes(bytes).toString('hex')}`;

export async function withApi<T>(deps: ApiDeps, fn: (api: RunningApi) => Promise<T>): Promise<T> {
  const api = await startApi(deps);
  try {
    return await fn(api);
  } finally {
    await api.close();
  }
}

export const validSpec = (deadline: number, over: Record<string, unknown> = {}) => ({
  url: 'https://api.example.test/v1/datasets/42',
  extract: { jsonPath: '$.rows' },
  resultSchema: { type: 'integer' },
  value: { type: 'number' },
  aggregation: { policy: 'median' },
  quorum: 2,
  deadline,
  ...over,
});

/**
 * A provenance bundle that passes its published schema (pages render nothing else), with placeholder hashes and
 * signatures: the HTTP tests are about rendering and shapes, not about the evidence, which core/verify's tests cover.
 * Checked here, so a schema change fails at this line rather than as a puzzling page test.
 */
export function bundleDoc(o: {
  requestId: Hex;
  hub: Hex;
  specCid: string;
  prover: Hex;
  notary: Hex;
  tlsTime: number;
  transcript: ReturnType<typeof encodeTranscript>;
  serverName?: string;
  value?: unknown;
}): Record<string, unknown> {
  const specHash = hex(32);
  const bundle = {
    version: 2,
    chainId: 31337,
    hub: o.hub,
    requestId: o.requestId,
    specCid: o.specCid,
    specHash,
    prover: o.prover,
    notary: o.notary,
    serverName: o.serverName ?? 'api.example.test',
    tlsTime: o.tlsTime,
    transcript: o.transcript,
    value: o.value ?? 1200,
    attestation: {
      requestId: o.requestId,
      specHash,
      prover: o.prover,
      notary: o.notary,
      trust: 1, // devnet, as the bundle says
      serverNameHash: hex(32),
      tlsTime: o.tlsTime,
      sentHash: hex(32),
      recvHash: hex(32),
      resultHash: hashJson(o.value ?? 1200),
      numericValue: '0',
    },
    notarySignature: hex(65),
    trust: 'devnet',
    software: { veritas: '0.1.0', tlsn: 'test' },
    timings: {},
    proverSignature: hex(65),
  };
  validateDocument('provenance-bundle', bundle);
  return bundle;
}

export type Seeded = {
  requestId: Hex;
  recordIds: string[];
  bundleCids: string[];
  provers: Hex[];
  notaries: Hex[];
  merkleRoot: Hex;
};

/**
 * Seeds a fulfilled request directly in the database (and its bundles in IPFS), as the indexer and aggregator would
 * write them. The tests using it are about the HTTP layer (shapes, status codes, streaming, caching), not about the
 * network producing the data; the end-to-end pages test builds its request on-chain instead.
 */
export async function seedFulfilled(
  env: Env,
  o: { status?: 'fulfilled' | 'assigned'; createdAt?: Date; consumer?: Hex } = {},
): Promise<Seeded> {
  const { db } = env.db;
  const requestId = hex(32);
  const specCid = await env.ipfs.addJson({ seeded: requestId });
  const provers = [hex(20), hex(20)];
  const notaries = [provers[1]!, provers[0]!];
  const spec = validSpec(1_900_000_000);
  const bundleCids: string[] = [];
  for (const [i, prover] of provers.entries()) {
    const sent = new TextEncoder().encode(
      'GET /v1/datasets/42 HTTP/1.1\r\nhost: api.example.test\r\nauthorization: Bearer s3cret\r\n\r\n',
    );
    const recv = new TextEncoder().encode('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{"rows":1200}');
    const secretAt = 50;
    const transcript = encodeTranscript({
      sent,
      recv,
      sentRanges: [
        { start: 0, end: secretAt },
        { start: sent.length - 4, end: sent.length },
      ],
      recvRanges: [{ start: 0, end: recv.length }],
    });
    const bundle = bundleDoc({
      requestId,
      hub: env.v.hub.toLowerCase() as Hex,
      specCid,
      prover,
      notary: notaries[i]!,
      tlsTime: 1_700_000_000 + i,
      transcript,
    });
    const cid = await env.ipfs.addJson(bundle);
    bundleCids.push(cid);
    // an unsigned stand-in with the fields the pages show (the API serves bundles; it does not verify them)
    await db.insert(bundles).values({ cid, requestId, prover, content: bundle as unknown as ProvenanceBundle });
    await db.insert(assignments).values({ requestId, prover, notary: notaries[i]!, position: i });
    await db.insert(responses).values({
      requestId,
      prover,
      notary: notaries[i]!,
      resultHash: hashJson(1200),
      bundleCid: cid,
      txHash: hex(32),
      verification: 'valid',
      value: 1200,
    });
  }
  const status = o.status ?? 'fulfilled';
  const record: DatasetRecord = {
    version: 1,
    chainId: 31337,
    hub: env.v.hub.toLowerCase() as Hex,
    requestId,
    index: 0,
    value: 1200,
    url: spec.url,
    specCid,
    extract: { jsonPath: '$.rows' },
    policy: { policy: 'median', madK: 3, band: 0.01 },
    trust: 'devnet',
    sources: provers.map((p, i) => ({
      prover: p,
      notary: notaries[i]!,
      bundleCid: bundleCids[i]!,
      serverName: 'api.example.test',
      tlsTime: 1_700_000_000 + i,
      resultHash: hashJson(1200),
      value: 1200,
    })),
  };
  const recordHash = hashJson(record);
  const tree = buildRecordTree([{ requestId, index: 0, valueHash: hashJson(1200), recordHash }]);
  await db.insert(requests).values({
    id: requestId,
    consumer: o.consumer ?? hex(20),
    specHash: hashJson(spec),
    specCid,
    spec: RequestSpec.parse(spec),
    quorum: 2,
    deadline: 1_900_000_000,
    fee: '1000',
    txHash: hex(32),
    blockNumber: 5,
    status,
    merkleRoot: status === 'fulfilled' ? tree.root : null,
    reportCid: status === 'fulfilled' ? specCid : null,
    fulfilledAt: status === 'fulfilled' ? new Date() : null,
    ...(o.createdAt ? { createdAt: o.createdAt } : {}),
  });
  if (status === 'fulfilled')
    await storeFulfilment(db, {
      requestId,
      tree,
      record,
      reportCid: specCid,
      outcome: { included: provers, excluded: [], value: 1200 },
      fulfil: { txHash: hex(32), blockNumber: 9 },
    });
  for (const stage of ['requested', 'assigned'])
    await db.insert(requestEvents).values({ requestId, source: 'indexer', stage, detail: {} });
  for (const p of provers)
    await db
      .insert(operators)
      .values({ address: p, bond: '1000000000000000000', answered: 1, agreed: 1 })
      .onConflictDoNothing();
  return {
    requestId,
    recordIds: status === 'fulfilled' ? [tree.leafHash(0)] : [],
    bundleCids,
    provers,
    notaries,
    merkleRoot: tree.root,
  };
}

/** Reads Server-Sent Events from a fetch response until `stop` says so; returns them parsed (eventsource-parser). */
export async function readSse(
  res: Response,
  stop: (events: SseEvent[]) => boolean,
): Promise<{ events: SseEvent[]; comments: string[] }> {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const parser = createParser({
    onEvent: (e) =>
      events.push({ event: e.event ?? 'message', data: e.data, ...(e.id === undefined ? {} : { id: e.id }) }),
    onComment: (c) => comments.push(c.trim()),
  });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  try {
    while (!stop(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return { events, comments };
}
export type SseEvent = { event: string; id?: string; data: string };
