// Attack: a response that skips the security headers (a sniffed JSON body, a framed page) or the request id. Over a
// real listening server the headers go on the Node response before the app runs, under `app.request()` on the
// finished Response: both ways, every kind of answer carries them — a cached record, a 304, a 404, a refused id, a
// 429, a page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApi } from '../../api/app.ts';
import { CONTENT_SECURITY_POLICY } from '../../api/middleware.ts';
import { type Env, hex, seedFulfilled, startEnv, withApi } from '../api/harness.ts';

let env: Env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

function assertHeaders(res: Response, what: string): void {
  assert.equal(res.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY, what);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer', what);
  assert.equal(res.headers.get('x-frame-options'), 'DENY', what);
  assert.match(res.headers.get('x-request-id') ?? '', /^[A-Za-z0-9._:-]{1,128}$/, what);
}

/** Each kind of answer, by how it is made: cached body, 304, route 404, record 404, invalid input, page. */
async function answers(get: (path: string, headers?: Record<string, string>) => Promise<Response>, id: string) {
  const first = await get(`/v1/records/${id}`);
  const cached = await get(`/v1/records/${id}`);
  const etag = cached.headers.get('etag')!;
  return {
    'record (first read)': first,
    'record (cached)': cached,
    'record 304': await get(`/v1/records/${id}`, { 'if-none-match': etag }),
    'unknown record': await get(`/v1/records/${hex(32)}`),
    'no such route': await get('/v1/nothing-here'),
    'invalid id': await get(`/v1/records/${'x'.repeat(300)}`),
    page: await get('/operators'),
  };
}

describe('security headers and the request id on every answer', () => {
  it('over a real server (headers set on the Node response)', async () => {
    const s = await seedFulfilled(env);
    await withApi(env.deps(), async (api) => {
      const all = await answers((p, h) => fetch(`${api.url}${p}`, { headers: h ?? {} }), s.recordIds[0]!);
      assert.equal(all['record (cached)'].status, 200);
      assert.equal(all['record 304'].status, 304);
      assert.equal(all['unknown record'].status, 404);
      assert.equal(all['invalid id'].status, 400);
      for (const [what, res] of Object.entries(all)) assertHeaders(res, what);
      // the cached body is the first read's, with its content type and immutable caching
      assert.equal(await all['record (cached)'].text(), await all['record (first read)'].text());
      assert.equal(all['record (cached)'].headers.get('content-type'), 'application/json');
      assert.match(all['record (cached)'].headers.get('cache-control') ?? '', /immutable/);
      // a sane caller id is echoed, a hostile one replaced
      const echoed = await fetch(`${api.url}/v1/records/${s.recordIds[0]}`, { headers: { 'x-request-id': 'abc-1' } });
      assert.equal(echoed.headers.get('x-request-id'), 'abc-1');
      const hostile = await fetch(`${api.url}/healthz`, { headers: { 'x-request-id': 'a b<script>' } });
      assert.notEqual(hostile.headers.get('x-request-id'), 'a b<script>');
      assertHeaders(hostile, 'healthz');
    });
    await withApi(env.deps({ api: { rateLimitPerMin: 1 } }), async (api) => {
      await fetch(`${api.url}/v1/operators`);
      const limited = await fetch(`${api.url}/v1/operators`);
      assert.equal(limited.status, 429);
      assertHeaders(limited, '429');
    });
  });

  it('under app.request() (headers set on the finished Response)', async () => {
    const s = await seedFulfilled(env);
    const app = createApi(env.deps());
    const all = await answers(async (p, h) => app.request(p, { headers: h ?? {} }), s.recordIds[0]!);
    assert.equal(all['record 304'].status, 304);
    for (const [what, res] of Object.entries(all)) assertHeaders(res, what);
    const limited = createApi(env.deps({ api: { rateLimitPerMin: 1 } }));
    await limited.request('/v1/operators');
    const refused = await limited.request('/v1/operators');
    assert.equal(refused.status, 429);
    assertHeaders(refused, '429');
  });
});
