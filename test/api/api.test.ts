// The HTTP API over real PGlite, Helia and anvil: every route, its errors (400 naming the field, 401, 404, 413, 429),
// SSE resumption across an API restart, records with Merkle proofs, exports, OpenAPI and the pages.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeFunctionData, type Hex } from 'viem';
import { oracleHubAbi } from '../../core/chain/contracts.ts';
import { hashJson } from '../../core/canonical.ts';
import { requestEvents, requests } from '../../core/db/schema.ts';
import { eq } from 'drizzle-orm';
import { verifyRecordProof } from '../../core/merkle.ts';
import { ProvedRecord } from '../../schemas/record.ts';
import { createApi } from '../../api/app.ts';
import { API_KEY, type Env, hex, readSse, seedFulfilled, startEnvAtChainTime, validSpec, withApi } from './harness.ts';

let env: Env;
let now: number;
before(async () => {
  ({ env, now } = await startEnvAtChainTime());
});
after(() => env?.close());

const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

describe('POST /v1/requests', () => {
  it('validates, pins the canonical spec, sends request() with the node key and records it before the indexer', async () => {
    const app = createApi(env.deps());
    const spec = validSpec(now + 3600);
    const res = await app.request('/v1/requests', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ spec, fee: '1000' }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const body = (await res.json()) as {
      requestId: Hex;
      specHash: Hex;
      specCid: string;
      txHash: Hex;
      links: Record<string, string>;
    };
    assert.match(body.requestId, /^0x[0-9a-f]{64}$/);
    assert.equal(body.links.self, `/v1/requests/${body.requestId}`);
    // the pinned bytes are the canonical JSON whose hash went on-chain
    const pinned = await env.ipfs.getJson(body.specCid);
    assert.equal(hashJson(pinned), body.specHash);
    const onChain = await env.v.chain.publicClient.readContract({
      address: env.v.hub,
      abi: oracleHubAbi,
      functionName: 'getRequest',
      args: [body.requestId],
    });
    assert.equal(onChain.specHash, body.specHash);
    assert.equal(onChain.specCid, body.specCid);
    assert.equal(onChain.fee, 1000n);
    const [row] = await env.db.db.select().from(requests).where(eq(requests.id, body.requestId));
    assert.equal(row?.specCid, body.specCid);
    assert.equal((row?.spec as { url: string } | undefined)?.url, spec.url);
    const events = await env.db.db.select().from(requestEvents).where(eq(requestEvents.requestId, body.requestId));
    assert.deepEqual(
      events.map((e) => [e.source, e.stage]),
      [['api', 'requested']],
    );
    // and the detail route shows it at once
    const detail = await app.request(`/v1/requests/${body.requestId}`);
    assert.equal(detail.status, 200);
    assert.equal(((await detail.json()) as { timeline: { stage: string }[] }).timeline[0]?.stage, 'requested');
  });

  it('returns the unsigned transaction with ?unsigned=true or without a node key, and it is sendable as is', async () => {
    for (const [deps, query] of [
      [env.deps(), '?unsigned=true'],
      [env.deps({ signer: false }), ''],
    ] as const) {
      const app = createApi(deps);
      const res = await app.request(`/v1/requests${query}`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ spec: validSpec(now + 3600) }),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as {
        requestId: null;
        specHash: Hex;
        specCid: string;
        transaction: { to: Hex; data: Hex; value: string; chainId: number };
      };
      assert.equal(body.requestId, null);
      assert.equal(body.transaction.to, env.v.hub);
      const call = decodeFunctionData({ abi: oracleHubAbi, data: body.transaction.data });
      assert.equal(call.functionName, 'request');
      assert.deepEqual(call.args, [
        body.specHash,
        body.specCid,
        { quorum: 2, policy: 2, minAgreement: 0, bandBps: 100, deadline: BigInt(now + 3600) },
      ]);
      // As the API documents: the gas of `request` depends on the committee the next block draws, so send with a margin.
      const tx = { to: body.transaction.to, data: body.transaction.data, value: BigInt(body.transaction.value) };
      const gas =
        ((await env.v.chain.publicClient.estimateGas({ ...tx, account: env.v.consumer.account })) * 12n) / 10n;
      const hash = await env.v.consumer.sendTransaction({ ...tx, gas });
      assert.equal((await env.v.chain.publicClient.waitForTransactionReceipt({ hash })).status, 'success');
    }
  });

  it('answers malformed bodies with 400 naming the field', async () => {
    const app = createApi(env.deps());
    const spec = validSpec(now + 3600);
    const cases: [string, string, string][] = [
      ['no spec', JSON.stringify({}), 'spec'],
      ['http url', JSON.stringify({ spec: { ...spec, url: 'http://api.example.test/' } }), 'spec.url'],
      ['quorum 0', JSON.stringify({ spec: { ...spec, quorum: 0 } }), 'spec.quorum'],
      ['unknown member', JSON.stringify({ spec: { ...spec, colour: 'red' } }), 'spec'],
      [
        'bad header',
        JSON.stringify({ spec: { ...spec, headers: [{ name: 'x', value: 'a\r\nb' }] } }),
        'spec.headers[0].value',
      ],
      [
        'result schema does not compile',
        JSON.stringify({ spec: { ...spec, resultSchema: { type: 'integr' } } }),
        'spec.resultSchema',
      ],
      [
        'regex does not compile',
        JSON.stringify({ spec: { ...spec, extract: { regex: '([a-z' } } }),
        'spec.extract.regex',
      ],
      [
        'median of strings',
        JSON.stringify({ spec: { ...spec, value: { type: 'string' } } }),
        'spec.aggregation.policy',
      ],
      ['fee not wei', JSON.stringify({ spec, fee: '1.5' }), 'fee'],
      ['not JSON', '{"spec": ', 'body'],
      [
        'deadline in the past (refused by the hub)',
        JSON.stringify({ spec: { ...spec, deadline: now - 10 } }),
        'spec.deadline',
      ],
    ];
    for (const [name, body, field] of cases) {
      const res = await app.request('/v1/requests', { method: 'POST', headers: auth, body });
      const err = (await res.json()) as { code: string; message: string; field?: string };
      assert.equal(res.status, 400, `${name}: ${JSON.stringify(err)}`);
      assert.equal(err.code, 'INPUT_INVALID', name);
      assert.ok(err.field?.startsWith(field), `${name}: field ${err.field} should name ${field}: ${err.message}`);
      assert.ok(err.message.length > 0);
    }
  });

  it('sends concurrent requests with the node key without nonce clashes (viem nonceManager)', async () => {
    const app = createApi(env.deps());
    const results = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        app.request('/v1/requests', {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ spec: validSpec(now + 1800 + i), fee: '1' }), // within the hub's deadline window
        }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      [201, 201, 201, 201],
      JSON.stringify(await Promise.all(results.map((r) => r.clone().text()))),
    );
    const ids = await Promise.all(results.map(async (r) => ((await r.json()) as { requestId: string }).requestId));
    assert.equal(new Set(ids).size, 4);
  });

  it('refuses a missing or invalid API key with 401', async () => {
    const app = createApi(env.deps());
    const body = JSON.stringify({ spec: validSpec(now + 3600) });
    const refused: Record<string, string>[] = [
      { 'content-type': 'application/json' },
      { ...auth, authorization: 'Bearer wrong-key' },
      { 'content-type': 'application/json', 'x-api-key': 'nope' },
    ];
    for (const headers of refused) {
      const res = await app.request('/v1/requests', { method: 'POST', headers, body });
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as { code: string }).code, 'UNAUTHORIZED');
      assert.match(res.headers.get('www-authenticate') ?? '', /Bearer/);
    }
    const ok = await app.request('/v1/requests?unsigned=true', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body,
    });
    assert.equal(ok.status, 200);
    // no keys configured: writes are closed, not open
    const closed = createApi(env.deps({ api: { apiKeys: undefined } }));
    assert.equal((await closed.request('/v1/requests', { method: 'POST', headers: auth, body })).status, 401);
  });

  it('refuses an oversize body with 413 over a real socket', async () => {
    await withApi(env.deps({ options: { bodyLimitBytes: 4096 } }), async (api) => {
      const big = JSON.stringify({ spec: { ...validSpec(now + 3600), description: 'x'.repeat(10_000) } });
      const res = await fetch(`${api.url}/v1/requests`, { method: 'POST', headers: auth, body: big });
      assert.equal(res.status, 413);
      assert.equal(((await res.json()) as { code: string }).code, 'PAYLOAD_TOO_LARGE');
    });
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After once a client has used its bucket, per key', async () => {
    const app = createApi(env.deps({ api: { rateLimitPerMin: 3 } }));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await app.request('/v1/operators')).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const res = await app.request('/v1/operators');
    assert.equal(res.status, 429);
    assert.equal(((await res.json()) as { code: string }).code, 'RATE_LIMITED');
    assert.ok(Number(res.headers.get('retry-after')) >= 1);
    // a client with a valid key has its own bucket (an invalid one shares the IP's: test/security/api-bounds.test.ts)
    assert.equal((await app.request('/v1/operators', { headers: { 'x-api-key': API_KEY } })).status, 200);
  });
});

describe('GET /v1/requests', () => {
  it('pages with a cursor and filters by status and consumer', async () => {
    const consumer = hex(20);
    const base = Date.now() - 3_600_000;
    const seeded = [];
    for (let i = 0; i < 5; i++)
      seeded.push(
        await seedFulfilled(env, {
          consumer,
          createdAt: new Date(base + i * 1000),
          status: i % 2 ? 'assigned' : 'fulfilled',
        }),
      );
    const app = createApi(env.deps());
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await app.request(
        `/v1/requests?consumer=${consumer}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      assert.equal(res.status, 200);
      const page = (await res.json()) as { items: { id: string; consumer: string }[]; nextCursor: string | null };
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    assert.deepEqual(seen, seeded.map((s) => s.requestId).reverse(), 'newest first, each once');
    const fulfilled = (await (await app.request(`/v1/requests?consumer=${consumer}&status=fulfilled`)).json()) as {
      items: { status: string }[];
    };
    assert.equal(fulfilled.items.length, 3);
    assert.ok(fulfilled.items.every((r) => r.status === 'fulfilled'));
  });

  it('answers bad query parameters with 400 naming them', async () => {
    const app = createApi(env.deps());
    for (const [q, field] of [
      ['limit=0', 'limit'],
      ['status=done', 'status'],
      ['consumer=alice', 'consumer'],
      ['cursor=zzz', 'cursor'],
    ]) {
      const res = await app.request(`/v1/requests?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(((await res.json()) as { field: string }).field, field);
    }
  });
});

describe('GET /v1/requests/:id', () => {
  it('returns the request with its stage timeline, operators, report and records', async () => {
    const s = await seedFulfilled(env);
    const res = await createApi(env.deps()).request(`/v1/requests/${s.requestId}`);
    assert.equal(res.status, 200);
    const d = (await res.json()) as {
      status: string;
      timeline: { stage: string; status: string }[];
      operators: { prover: string; notary: string; state: string; response: { bundleCid: string } }[];
      records: { id: string; href: string }[];
      report: { merkleRoot: string };
    };
    assert.equal(d.status, 'fulfilled');
    assert.deepEqual(
      d.timeline.map((t) => [t.stage, t.status]),
      [
        ['requested', 'done'],
        ['assigned', 'done'],
        ['operator 1', 'done'],
        ['operator 2', 'done'],
        ['aggregated', 'done'],
        ['fulfilled', 'done'],
      ],
    );
    assert.deepEqual(
      d.operators.map((o) => [o.prover, o.notary, o.state, o.response.bundleCid]),
      s.provers.map((p, i) => [p, s.notaries[i], 'verified', s.bundleCids[i]]),
    );
    assert.equal(d.report.merkleRoot, s.merkleRoot);
    assert.equal(d.records[0]?.id, s.recordIds[0]);
  });

  it('answers an unknown id with 404 and a malformed one with 400', async () => {
    const app = createApi(env.deps());
    const unknown = await app.request(`/v1/requests/${hex(32)}`);
    assert.equal(unknown.status, 404);
    assert.deepEqual(Object.keys((await unknown.json()) as object).sort(), ['code', 'field', 'message']);
    const bad = await app.request('/v1/requests/0x1234');
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { field: string }).field, 'id');
    for (const path of ['/events', '/records.jsonl', '/croissant.json'])
      assert.equal((await app.request(`/v1/requests/${hex(32)}${path}`)).status, 404, path);
  });
});

describe('GET /v1/requests/:id/events (SSE)', () => {
  it('streams the timeline, resumes after Last-Event-ID on a restarted API, heartbeats and ends on fulfilment', async () => {
    const s = await seedFulfilled(env, { status: 'assigned' });
    const { db } = env.db;
    const deps = env.deps({ options: { ssePollMs: 20, sseHeartbeatMs: 50 } });
    let lastId: string | undefined;
    await withApi(deps, async (api) => {
      const res = await fetch(`${api.url}/v1/requests/${s.requestId}/events`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
      const { events } = await readSse(res, (ev) => ev.filter((e) => e.event === 'stage').length >= 2);
      const stages = events.filter((e) => e.event === 'stage');
      assert.deepEqual(
        stages.map((e) => JSON.parse(e.data).stage),
        ['requested', 'assigned'],
      );
      lastId = stages.at(-1)!.id;
    });
    // written while no API runs
    await db
      .insert(requestEvents)
      .values({ requestId: s.requestId, source: s.provers[0]!, stage: 'responded', detail: {} });
    await withApi(deps, async (api) => {
      const res = await fetch(`${api.url}/v1/requests/${s.requestId}/events`, {
        headers: { 'Last-Event-ID': lastId! },
      });
      const first = await readSse(res, (ev) => ev.some((e) => e.event === 'stage'));
      assert.deepEqual(
        first.events.filter((e) => e.event === 'stage').map((e) => JSON.parse(e.data).stage),
        ['responded'],
        'only what came after',
      );
      // the stream stays open with heartbeats, then ends once the request is fulfilled
      const res2 = await fetch(`${api.url}/v1/requests/${s.requestId}/events?lastEventId=${lastId}`);
      let marked = false;
      const rest = await readSse(res2, (ev) => {
        if (!marked && ev.some((e) => e.event === 'stage')) {
          marked = true;
          void db
            .insert(requestEvents)
            .values({ requestId: s.requestId, source: 'aggregator', stage: 'fulfilled', detail: {} })
            .then(() => db.update(requests).set({ status: 'fulfilled' }).where(eq(requests.id, s.requestId)));
        }
        return ev.some((e) => e.event === 'end');
      });
      const stages = rest.events.filter((e) => e.event === 'stage').map((e) => JSON.parse(e.data).stage);
      assert.deepEqual(stages, ['responded', 'fulfilled']);
      assert.equal(JSON.parse(rest.events.at(-1)!.data).status, 'fulfilled');
      assert.ok(
        rest.events.every(
          (e, i, all) =>
            i === 0 || e.id === undefined || Number(e.id) > Number(all.slice(0, i).findLast((x) => x.id)?.id ?? 0),
        ),
      );
    });
  });
});

describe('records and exports', () => {
  it('GET /v1/records/:id returns a ProvedRecord whose proof verifies against the root, cached and immutable', async () => {
    const s = await seedFulfilled(env);
    const app = createApi(env.deps());
    const res = await app.request(`/v1/records/${s.recordIds[0]}`);
    assert.equal(res.status, 200);
    const proved = ProvedRecord.parse(await res.json());
    assert.equal(proved.merkleRoot, s.merkleRoot);
    assert.equal(proved.recordHash, hashJson(proved.record));
    assert.ok(
      verifyRecordProof(
        s.merkleRoot,
        { requestId: s.requestId, index: 0, valueHash: hashJson(1200), recordHash: proved.recordHash as Hex },
        proved.proof as Hex[],
      ),
    );
    assert.match(res.headers.get('cache-control') ?? '', /immutable/);
    const etag = res.headers.get('etag')!;
    assert.equal(
      (await app.request(`/v1/records/${s.recordIds[0]}`, { headers: { 'if-none-match': etag } })).status,
      304,
    );
    assert.equal((await app.request(`/v1/records/${hex(32)}`)).status, 404);
  });

  it('streams records.jsonl and describes the dataset in Croissant 1.1 with provenance', async () => {
    const s = await seedFulfilled(env);
    await withApi(env.deps(), async (api) => {
      const res = await fetch(`${api.url}/v1/requests/${s.requestId}/records.jsonl`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /jsonl/);
      const text = await res.text();
      const lines = text
        .trim()
        .split('\n')
        .map((l) => ProvedRecord.parse(JSON.parse(l)));
      assert.equal(lines.length, 1);
      assert.equal(lines[0]?.record.value, 1200);
      type Croissant = {
        '@type': string;
        conformsTo: string;
        '@context': { cr: string };
        distribution: [{ '@type': string; contentUrl: string; sha256: string }];
        recordSet: [{ field: { name: string }[] }];
        'veritas:merkleRoot': string;
      };
      const c = (await (await fetch(`${api.url}/v1/requests/${s.requestId}/croissant.json`)).json()) as Croissant;
      assert.equal(c['@type'], 'sc:Dataset');
      assert.equal(c.conformsTo, 'http://mlcommons.org/croissant/1.1');
      assert.equal(c['@context'].cr, 'http://mlcommons.org/croissant/');
      assert.equal(c.distribution[0]['@type'], 'cr:FileObject');
      // the distribution is the flat rows (Croissant reads columns); records.jsonl keeps the proofs
      assert.equal(c.distribution[0].contentUrl, `${api.url}/v1/requests/${s.requestId}/rows.jsonl`);
      const rows = await (await fetch(c.distribution[0].contentUrl)).text();
      const { createHash } = await import('node:crypto');
      assert.equal(
        c.distribution[0].sha256,
        createHash('sha256').update(rows).digest('hex'),
        'checksum of the served JSONL',
      );
      const fields = c.recordSet[0].field.map((f: { name: string }) => f.name);
      for (const f of ['value', 'url', 'source_host', 'fetched_at', 'request_id', 'record_hash', 'bundle_cids'])
        assert.ok(fields.includes(f), f);
      assert.equal(c['veritas:merkleRoot'], s.merkleRoot);
    });
  });

  it('GET /v1/bundles/:cid serves the pinned bytes; unknown and malformed CIDs are 404', async () => {
    const s = await seedFulfilled(env);
    const app = createApi(env.deps());
    const res = await app.request(`/v1/bundles/${s.bundleCids[0]}`);
    assert.equal(res.status, 200);
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), await env.ipfs.getBytes(s.bundleCids[0]!));
    const unknown = await env.ipfs.addJson({ other: hex(8) }, { pin: false });
    assert.equal(
      (await app.request(`/v1/bundles/bafkreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`)).status,
      404,
    );
    assert.equal((await app.request('/v1/bundles/not-a-cid')).status, 404);
    assert.equal((await app.request(`/v1/bundles/${unknown}`)).status, 200, 'content on this node is served');
  });

  it('bundles carry their CID as ETag with immutable caching, and a matching If-None-Match is a 304', async () => {
    const s = await seedFulfilled(env);
    const app = createApi(env.deps());
    const res = await app.request(`/v1/bundles/${s.bundleCids[0]}`);
    const etag = res.headers.get('etag');
    assert.equal(etag, `"${s.bundleCids[0]}"`);
    assert.match(res.headers.get('cache-control') ?? '', /immutable/);
    for (const inm of [etag!, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await app.request(`/v1/bundles/${s.bundleCids[0]}`, { headers: { 'if-none-match': inm } });
      assert.equal(again.status, 304, inm);
      assert.equal(again.headers.get('etag'), etag);
      assert.equal((await again.arrayBuffer()).byteLength, 0);
    }
    const other = await app.request(`/v1/bundles/${s.bundleCids[0]}`, { headers: { 'if-none-match': '"x"' } });
    assert.equal(other.status, 200);
    // records: the leaf hash is the ETag
    const rec = await app.request(`/v1/records/${s.recordIds[0]}`);
    const recTag = rec.headers.get('etag')!;
    const cached = await app.request(`/v1/records/${s.recordIds[0]}`, { headers: { 'if-none-match': `W/${recTag}` } });
    assert.equal(cached.status, 304);
    assert.match(cached.headers.get('cache-control') ?? '', /immutable/);
  });

  it('GET /v1/operators lists operators with their record; unknown operator 404', async () => {
    const s = await seedFulfilled(env);
    const app = createApi(env.deps());
    const list = (await (await app.request('/v1/operators')).json()) as {
      items: { address: string; answered: number; agreed: number; invalid: number; slashed: number }[];
    };
    const op = list.items.find((o) => o.address === s.provers[0]);
    assert.deepEqual(op && [op.answered, op.agreed, op.invalid, op.slashed], [1, 1, 0, 0]);
    const one = (await (await app.request(`/v1/operators/${s.provers[0]}`)).json()) as {
      responses: { role: string; requestId: string }[];
    };
    assert.ok(one.responses.some((r) => r.requestId === s.requestId && r.role === 'prover'));
    assert.equal((await app.request(`/v1/operators/${hex(20)}`)).status, 404);
    assert.equal((await app.request('/v1/operators/bob')).status, 400);
  });
});

describe('OpenAPI, docs, CORS, pages', () => {
  it('publishes an OpenAPI 3.1 document with every route and a server-rendered docs page listing them', async () => {
    const app = createApi(env.deps());
    const doc = (await (await app.request('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
    };
    assert.equal(doc.openapi, '3.1.0');
    for (const p of [
      '/v1/requests',
      '/v1/requests/{id}',
      '/v1/requests/{id}/events',
      '/v1/requests/{id}/records.jsonl',
      '/v1/requests/{id}/croissant.json',
      '/v1/records/{id}',
      '/v1/bundles/{cid}',
      '/v1/operators',
      '/v1/operators/{address}',
    ])
      assert.ok(doc.paths[p], p);
    assert.ok(doc.paths['/v1/requests']!.post);
    const page = await (await app.request('/docs')).text();
    assert.match(page, /POST<\/strong> \/v1\/requests/);
    assert.doesNotMatch(
      page,
      /<script|https?:\/\/(?!mlcommons)[a-z]+\.[a-z]+\/[^"]*\.(js|css)/i,
      'nothing loaded from outside',
    );
  });

  it('sends CORS headers only for configured origins', async () => {
    const app = createApi(env.deps({ api: { corsOrigins: ['https://curator.example'] } }));
    const res = await app.request('/v1/operators', { headers: { origin: 'https://curator.example' } });
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://curator.example');
    const other = await app.request('/v1/operators', { headers: { origin: 'https://evil.example' } });
    assert.notEqual(other.headers.get('access-control-allow-origin'), 'https://evil.example');
    const none = await createApi(env.deps()).request('/v1/operators', {
      headers: { origin: 'https://curator.example' },
    });
    assert.equal(none.headers.get('access-control-allow-origin'), null);
  });

  it('renders the request list, request, bundle (redactions marked) and operator pages; unknown ids are 404 pages', async () => {
    const s = await seedFulfilled(env);
    const app = createApi(env.deps());
    const list = await app.request('/');
    assert.equal(list.status, 200);
    assert.match(await list.text(), new RegExp(`/requests/${s.requestId}`));
    const page = await (await app.request(`/requests/${s.requestId}`)).text();
    for (const want of ['Timeline', 'api.example.test', s.bundleCids[0]!.slice(0, 10), 'data-check=', s.merkleRoot])
      assert.ok(page.includes(want), want);
    const bundle = await (await app.request(`/bundles/${s.bundleCids[0]}`)).text();
    assert.match(bundle, /class="redacted"[^>]*>\[redacted: \d+ bytes\]/);
    assert.match(bundle, /GET \/v1\/datasets\/42 HTTP\/1\.1/);
    assert.doesNotMatch(bundle, /s3cret/);
    assert.equal((await app.request(`/operators/${s.provers[0]}`)).status, 200);
    assert.equal((await app.request('/operators')).status, 200);
    const missing = await app.request(`/requests/${hex(32)}`);
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type') ?? '', /text\/html/);
  });
});
