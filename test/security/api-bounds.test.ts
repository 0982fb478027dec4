// Attack: unauthenticated DoS of the API (issue 13, "Bounded API"). Rotating bogus API keys must not escape the rate
// limit nor grow its bucket map; pages are rate-limited too; a request page's verification is computed once per record.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApi } from '../../api/app.ts';
import * as middleware from '../../api/middleware.ts';
import { API_KEY, type Env, startEnv, withApi } from '../api/harness.ts';

let env: Env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

describe('rate limits keyed by a valid key, else by client IP', () => {
  it('rotating bogus X-API-Key values shares the IP bucket and is refused once it is used up', async () => {
    await withApi(env.deps({ api: { rateLimitPerMin: 5 } }), async (api) => {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++)
        statuses.push((await fetch(`${api.url}/v1/operators`, { headers: { 'x-api-key': `bogus-${i}` } })).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
      // a bearer token that is not a key is the same: the IP's bucket
      const bearer = await fetch(`${api.url}/v1/operators`, { headers: { authorization: 'Bearer nope' } });
      assert.equal(bearer.status, 429);
      // a valid key has its own bucket
      const keyed = await fetch(`${api.url}/v1/operators`, { headers: { 'x-api-key': API_KEY } });
      assert.equal(keyed.status, 200);
    });
  });

  it('pages are rate-limited as well', async () => {
    await withApi(env.deps({ api: { rateLimitPerMin: 3 } }), async (api) => {
      const statuses: number[] = [];
      for (const path of ['/', '/operators', '/docs', '/', '/operators'])
        statuses.push((await fetch(`${api.url}${path}`)).status);
      assert.deepEqual(statuses.slice(0, 3), [200, 200, 200]);
      assert.ok(statuses.slice(3).includes(429), `got ${statuses.join(', ')}`);
    });
  });

  it('the in-memory store holds at most maxKeys buckets, evicting the least recently seen', async () => {
    const store = middleware.memoryRateLimitStore({ perMinute: 2, maxKeys: 100, now: () => 0 });
    for (let i = 0; i < 10_000; i++) store.take(`ip:10.0.${i >> 8}.${i & 255}`);
    assert.equal(store.size(), 100);
    // a recently seen client keeps its (spent) bucket while others come and go
    store.take('ip:busy');
    store.take('ip:busy');
    for (let i = 0; i < 50; i++) store.take(`ip:other-${i}`);
    assert.equal((await store.take('ip:busy')).ok, false);
  });

  it('a shared store replaces the in-memory one through the same interface', async () => {
    // A second replica would share this: every take goes through the store, none through process memory.
    const taken: string[] = [];
    const inner = middleware.memoryRateLimitStore({ perMinute: 2 });
    const shared: middleware.RateLimitStore = {
      async take(key) {
        taken.push(key);
        return inner.take(key);
      },
    };
    const a = createApi(env.deps({ api: { rateLimitPerMin: 2 }, options: { rateLimitStore: shared } }));
    const b = createApi(env.deps({ api: { rateLimitPerMin: 2 }, options: { rateLimitStore: shared } }));
    assert.equal((await a.request('/v1/operators')).status, 200);
    assert.equal((await b.request('/v1/operators')).status, 200);
    assert.equal((await a.request('/v1/operators')).status, 429, 'the two replicas share one budget');
    assert.ok(taken.every((k) => k.startsWith('ip:')));
  });
});
// Page verification cached per record: test/e2e/pages.test.ts (it needs a record that verifies).
