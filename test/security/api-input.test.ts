// Attack: bad input to POST /v1/requests. Each must be a 4xx naming the field before anything is signed or paid,
// and the API must have recorded what it is about to send before it sends it (issue 11, "Bad input").
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { formatEther, parseEther } from 'viem';
import { hashJson } from '../../core/canonical.ts';
import { validateSpec } from '../../schemas/validate.ts';
import { createApi } from '../../api/app.ts';
import { API_LIMITS } from '../../api/input.ts';
import { createVeritasPublicClient } from '../../core/chain/clients.ts';
import { requestData } from '../../core/chain/contracts.ts';
import { indexRange } from '../../core/indexer.ts';
import { requestEvents, requests, submissions } from '../../core/db/schema.ts';
import { API_KEY, type Env, log, seedFulfilled, startEnvAtChainTime, validSpec } from '../api/harness.ts';

let env: Env;
let now: number;
before(async () => {
  ({ env, now } = await startEnvAtChainTime());
});
after(() => env?.close());

const auth = { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' };

/** The consumer's on-chain nonce and the hub's request count: both unchanged means nothing was signed or paid. */
async function chainState() {
  const nonce = await env.v.chain.publicClient.getTransactionCount({ address: env.v.consumer.account.address });
  const rows = await env.db.db.select().from(requests);
  return { nonce, rows: rows.length };
}

async function refused(body: string, headers: Record<string, string> = auth) {
  const before = await chainState();
  const res = await createApi(env.deps()).request('/v1/requests', { method: 'POST', headers, body });
  const err = (await res.json()) as { code: string; message: string; field?: string };
  assert.deepEqual(await chainState(), before, 'nothing was sent or stored');
  return { status: res.status, ...err };
}

describe('bad input is refused before anything is signed or paid', () => {
  it('a lone UTF-16 surrogate in spec.name is a 400 naming spec.name (JSON text escape and raw)', async () => {
    const spec = validSpec(now + 3600, { name: 'a\ud800b' });
    for (const body of [JSON.stringify({ spec }), JSON.stringify({ spec }).replace('\ud800', '\\ud800')]) {
      const err = await refused(body);
      assert.equal(err.status, 400, err.message);
      assert.equal(err.code, 'INPUT_INVALID');
      assert.equal(err.field, 'spec.name');
      assert.match(err.message, /surrogate|UTF-16|Unicode/i);
    }
  });

  it('a lone surrogate anywhere (description, header name, result schema, fee) names that field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ spec: validSpec(now + 3600, { description: '\udc00' }) }, 'spec.description'],
      [
        { spec: validSpec(now + 3600, { resultSchema: { type: 'integer', title: 'x\udfff' } }) },
        'spec.resultSchema.title',
      ],
      [{ spec: validSpec(now + 3600, { headers: [{ name: 'x-a', value: 'v\ud83d' }] }) }, 'spec.headers[0].value'],
    ];
    for (const [body, field] of cases) {
      const err = await refused(JSON.stringify(body));
      assert.equal(err.status, 400, field);
      assert.equal(err.field, field);
    }
  });

  it('a NUL byte in a header value is a 400 naming it, and OracleHub.request is never sent', async () => {
    const spec = validSpec(now + 3600, { headers: [{ name: 'x-token', value: 'abc\u0000def' }] });
    const err = await refused(JSON.stringify({ spec, fee: '1000' }));
    assert.equal(err.status, 400, err.message);
    assert.equal(err.code, 'INPUT_INVALID');
    assert.equal(err.field, 'spec.headers[0].value');
    assert.match(err.message, /NUL/);
  });

  it('a NUL byte in any other string (spec.body, a JSON Schema key) is refused too', async () => {
    const post = validSpec(now + 3600, { method: 'POST', body: 'a\u0000' });
    assert.equal((await refused(JSON.stringify({ spec: post }))).field, 'spec.body');
    const key = validSpec(now + 3600, { resultSchema: { 'x\u0000': 1 } });
    const err = await refused(JSON.stringify({ spec: key }));
    assert.equal(err.status, 400);
    assert.match(err.field ?? '', /^spec\.resultSchema/);
  });

  it('a syntactically invalid JSONPath is a 400 naming spec.extract.jsonPath', async () => {
    for (const jsonPath of ['$.[', '$[']) {
      const err = await refused(JSON.stringify({ spec: validSpec(now + 3600, { extract: { jsonPath } }) }));
      assert.equal(err.status, 400, jsonPath);
      assert.equal(err.field, 'spec.extract.jsonPath', jsonPath);
    }
  });

  it(`a URL over ${API_LIMITS.urlChars} characters is a 400 naming spec.url and stating the limit`, async () => {
    const url = `https://api.example.test/${'a'.repeat(10_000)}`;
    const err = await refused(JSON.stringify({ spec: validSpec(now + 3600, { url }) }));
    assert.equal(err.status, 400);
    assert.equal(err.field, 'spec.url');
    assert.match(err.message, new RegExp(String(API_LIMITS.urlChars)));
    // at the limit it is accepted (returned unsigned, so nothing is paid here either)
    const atLimit = `https://api.example.test/${'a'.repeat(API_LIMITS.urlChars - 'https://api.example.test/'.length)}`;
    const ok = await createApi(env.deps()).request('/v1/requests?unsigned=true', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ spec: validSpec(now + 3600, { url: atLimit }) }),
    });
    assert.equal(ok.status, 200, await ok.clone().text());
  });

  it("a fee above the consumer's balance is a 4xx naming fee", async () => {
    const balance = await env.v.chain.publicClient.getBalance({ address: env.v.consumer.account.address });
    const fee = (balance + parseEther('1')).toString();
    const err = await refused(JSON.stringify({ spec: validSpec(now + 3600), fee }));
    assert.ok(err.status >= 400 && err.status < 500, `status ${err.status}`);
    assert.equal(err.field, 'fee');
    assert.match(err.message, new RegExp(formatEther(balance).split('.')[0]!), 'says what the balance is');
  });

  it('a non-JSON content type is a 415 that says to send application/json', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const headers: Record<string, string> = { authorization: `Bearer ${API_KEY}` };
      if (type) headers['content-type'] = type;
      const err = await refused(JSON.stringify({ spec: validSpec(now + 3600) }), headers);
      assert.equal(err.status, 415, String(type));
      assert.equal(err.code, 'UNSUPPORTED_MEDIA_TYPE');
      assert.match(err.message, /Content-Type: application\/json/);
    }
  });
});

describe('the API records what it sends before it sends it', () => {
  it('a submission row exists before the transaction, and is linked to the request after', async () => {
    const app = createApi(env.deps());
    const res = await app.request('/v1/requests', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ spec: validSpec(now + 3600), fee: '5' }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const body = (await res.json()) as { requestId: string; txHash: string; submissionId: string };
    const [row] = await env.db.db.select().from(submissions).where(eq(submissions.id, body.submissionId));
    assert.ok(row, 'submission recorded');
    assert.equal(row.status, 'sent');
    assert.equal(row.requestId, body.requestId);
    assert.equal(row.txHash, body.txHash);
  });

  it('a transaction the chain refuses leaves its submission recorded as failed (it was written first)', async () => {
    const spec = validSpec(now - 10);
    const res = await createApi(env.deps()).request('/v1/requests', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ spec }),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { field: string }).field, 'spec.deadline');
    const rows = await env.db.db
      .select()
      .from(submissions)
      .where(eq(submissions.specHash, hashJson(validateSpec(spec))));
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.status, 'failed');
    assert.equal(rows[0]!.requestId, null);
  });

  it('a spec the database cannot store is refused before the transaction (the store is tried first)', async () => {
    // \u0000 is the one string PostgreSQL JSON cannot hold: the pre-send insert is what would catch a new case of it
    const before = await chainState();
    const res = await createApi(env.deps()).request('/v1/requests', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ spec: validSpec(now + 3600, { name: 'x\u0000' }) }),
    });
    assert.equal(res.status, 400);
    assert.deepEqual(await chainState(), before);
  });
});

describe('public errors say what to fix, never what is inside', () => {
  const SECRET_RPC = 'http://127.0.0.1:9/v2/SECRET-RPC-KEY';
  const leaks = (text: string) =>
    ['SECRET-RPC-KEY', '127.0.0.1', '10.1.2.3', 'fd00::7', 'http://', 'vault-entry'].filter((s) => text.includes(s));

  it('a chain failure while submitting names neither the RPC URL nor its key', async () => {
    const deps = env.deps();
    const chain = {
      ...deps.chain,
      publicClient: createVeritasPublicClient(SECRET_RPC, 31337, { retryCount: 0, timeoutMs: 2000 }),
    };
    const res = await createApi({ ...deps, chain }).request('/v1/requests', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ spec: validSpec(now + 3600) }),
    });
    const text = await res.text();
    assert.equal(res.status, 502, text);
    assert.equal((JSON.parse(text) as { code: string }).code, 'CHAIN_ERROR');
    assert.deepEqual(leaks(text), []);
  });

  it('timeline events (JSON and SSE) and the verify panel carry no internal address or URL', async () => {
    const s = await seedFulfilled(env, { status: 'assigned' });
    await env.db.db.insert(requestEvents).values({
      requestId: s.requestId,
      source: s.provers[0]!,
      stage: 'failed',
      detail: {
        code: 'SSRF_REFUSED',
        message: 'api.example.test resolved to 10.1.2.3 and fd00::7 (private); fetch http://10.1.2.3/x failed',
        nested: [{ why: `rpc ${SECRET_RPC} refused` }],
      },
    });
    const app = createApi(env.deps());
    const detail = await (await app.request(`/v1/requests/${s.requestId}`)).text();
    assert.ok(detail.includes('SSRF_REFUSED'), 'the code and what to fix stay');
    assert.deepEqual(leaks(detail), []);
    const sse = await app.request(`/v1/requests/${s.requestId}/events`);
    const reader = sse.body!.getReader();
    let text = '';
    while (!text.includes('SSRF_REFUSED')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    assert.deepEqual(leaks(text), []);
    // the verify panel of a fulfilled request read through an RPC whose URL holds a key
    const f = await seedFulfilled(env);
    const deps = env.deps();
    const chain = { ...deps.chain, publicClient: createVeritasPublicClient(SECRET_RPC, 31337, { retryCount: 0 }) };
    const page = await (await createApi({ ...deps, chain }).request(`/requests/${f.requestId}`)).text();
    assert.match(page, /data-check="on-chain-root" data-ok="false"/);
    assert.deepEqual(leaks(page), []);
  });
});

describe('a request sent but not confirmed to the API is reconciled, not lost', () => {
  it('a submission left submitting is linked to the request the indexer mirrored', async () => {
    const spec = validateSpec(validSpec(now + 1800)); // within the hub's deadline window (1 h in the fixture)
    const specHash = hashJson(spec);
    const specCid = await env.ipfs.addJson(spec);
    const consumer = env.v.consumer.account.address.toLowerCase();
    // what submitRequest writes before sending; then the transaction goes out and the API dies before the receipt
    const id = randomUUID();
    await env.db.db.insert(submissions).values({ id, consumer, specHash, specCid, spec, fee: '0' });
    const app = createApi(env.deps());
    const before = (await (await app.request(`/v1/submissions/${id}`)).json()) as { status: string };
    assert.equal(before.status, 'submitting');
    const sent = await requestData(
      { walletClient: env.v.consumer, publicClient: env.v.chain.publicClient },
      env.v.hub,
      {
        specHash,
        specCid,
        quorum: spec.quorum,
        deadline: BigInt(spec.deadline),
        fee: 0n,
      },
    );
    // the real indexer mirrors DataRequested
    await indexRange(
      {
        db: env.db.db,
        publicClient: env.v.chain.publicClient,
        hub: env.v.hub,
        registry: env.v.registry,
        fromBlock: 0n,
        log,
      },
      sent.blockNumber,
      sent.blockNumber,
    );
    const res = await app.request(`/v1/submissions/${id}`);
    assert.equal(res.status, 200);
    const after = (await res.json()) as { status: string; requestId: string; txHash: string; links: { self: string } };
    assert.equal(after.status, 'sent');
    assert.equal(after.requestId, sent.requestId.toLowerCase());
    assert.equal(after.txHash, sent.transactionHash);
    assert.equal(after.links.self, `/v1/requests/${after.requestId}`);
    assert.equal((await app.request(`/v1/submissions/${randomUUID()}`)).status, 404);
  });
});
