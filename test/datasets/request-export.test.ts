// The request-level exports as a dataset tool meets them: Croissant 1.1 with a creator, no invented licence, flat
// typed columns read by `extract.column`, contentUrl on the configured public URL, application/ld+json; a pending
// request's files are 404 (never an empty 200 a tool would cache); immutable responses carry an ETag.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApi } from '../../api/app.ts';
import { loadConfig } from '../../core/config.ts';
import { ProvedRecord } from '../../schemas/record.ts';
import { type Env, hex, seedFulfilled, startEnv } from '../api/harness.ts';
import { checkCroissant, jsonlRows } from './croissant-check.ts';

let env: Env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

const PUBLIC = 'https://data.veritas.example';

describe('request exports', () => {
  it('a pending request has no records.jsonl, rows.jsonl or croissant.json yet: 404, not an empty 200', async () => {
    const s = await seedFulfilled(env, { status: 'assigned' });
    const app = createApi(env.deps());
    for (const path of ['records.jsonl', 'rows.jsonl', 'croissant.json']) {
      const res = await app.request(`/v1/requests/${s.requestId}/${path}`);
      assert.equal(res.status, 404, path);
      assert.equal(((await res.json()) as { code: string }).code, 'NOT_FOUND', path);
    }
  });

  it('describes a fulfilled request in Croissant 1.1 that the loader rules accept, on the public URL', async () => {
    const consumer = hex(20);
    const s = await seedFulfilled(env, { consumer });
    const app = createApi(env.deps({ api: { publicUrl: PUBLIC } }));
    // asked over plain http (as behind a TLS proxy): the document still names the public https URL
    const res = await app.request(`http://127.0.0.1:8080/v1/requests/${s.requestId}/croissant.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/ld\+json/);
    const etag = res.headers.get('etag');
    assert.ok(etag, 'an immutable document has an ETag');
    assert.match(res.headers.get('cache-control') ?? '', /immutable/);
    const doc = (await res.json()) as Record<string, unknown> & {
      distribution: { contentUrl: string }[];
      creator: { name: string };
      license: unknown;
    };
    for (const f of doc.distribution)
      assert.ok(f.contentUrl.startsWith(`${PUBLIC}/v1/requests/${s.requestId}/`), f.contentUrl);
    assert.ok(doc.creator.name.includes(consumer), 'the creator is the requesting account');
    assert.doesNotMatch(JSON.stringify(doc.license), /CC0/i, 'no licence was declared: none is invented');
    const problems = await checkCroissant(
      doc,
      async (url) => {
        const r = await app.request(url.replace(PUBLIC, 'http://127.0.0.1:8080'));
        assert.equal(r.status, 200, url);
        return new Uint8Array(await r.arrayBuffer());
      },
      async (_file, bytes) => jsonlRows(bytes),
    );
    assert.deepEqual(problems, []);
    const fields = (doc.recordSet as { field: { name: string; dataType: string }[] }[])[0]!.field;
    assert.equal(fields.find((f) => f.name === 'value')?.dataType, 'sc:Integer', 'a number is typed, not sc:Text');
    const again = await app.request(`/v1/requests/${s.requestId}/croissant.json`, {
      headers: { 'if-none-match': etag },
    });
    assert.equal(again.status, 304);
  });

  it('serves flat rows in rows.jsonl and proved records in records.jsonl, both with an ETag', async () => {
    const s = await seedFulfilled(env);
    const app = createApi(env.deps());
    const rows = await app.request(`/v1/requests/${s.requestId}/rows.jsonl`);
    assert.equal(rows.status, 200);
    const [row] = jsonlRows(new Uint8Array(await rows.arrayBuffer()));
    assert.equal(row?.value, 1200);
    assert.equal(row?.request_id, s.requestId);
    assert.equal(typeof row?.record_hash, 'string');
    assert.ok(rows.headers.get('etag'));
    const records = await app.request(`/v1/requests/${s.requestId}/records.jsonl`);
    assert.equal(records.status, 200);
    const etag = records.headers.get('etag');
    assert.ok(etag);
    const lines = (await records.text())
      .trim()
      .split('\n')
      .map((l) => ProvedRecord.parse(JSON.parse(l)));
    assert.equal(lines.length, 1);
    // RFC 9110 weak comparison, lists and `*`, as for records and bundles
    for (const inm of [etag!, `W/${etag}`, `"other", ${etag}`, '*']) {
      for (const path of ['records.jsonl', 'rows.jsonl']) {
        const tag: string = path === 'rows.jsonl' ? rows.headers.get('etag')! : etag!;
        const again = await app.request(`/v1/requests/${s.requestId}/${path}`, {
          headers: { 'if-none-match': inm.replace(etag!, tag) },
        });
        assert.equal(again.status, 304, `${path} ${inm}`);
        assert.equal(again.headers.get('etag'), tag);
      }
    }
  });

  it('reads VERITAS_PUBLIC_URL once, as an https or http URL without a trailing slash', () => {
    assert.equal(loadConfig({ VERITAS_PUBLIC_URL: `${PUBLIC}/` }).api.publicUrl, PUBLIC);
    assert.equal(loadConfig({}).api.publicUrl, undefined);
    assert.throws(() => loadConfig({ VERITAS_PUBLIC_URL: 'ftp://x' }), /VERITAS_PUBLIC_URL/);
  });
});
