// Cross-cutting HTTP concerns as hono middleware: request id, access log, API-key auth, rate limit, security headers.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Logger } from '../core/log.ts';
import { ApiError } from './errors.ts';

export type ApiEnv = { Variables: { requestId: string; log: Logger } };

/**
 * The Node response under @hono/node-server; absent under `app.request()` (tests) or another runtime. Headers every
 * response carries are set on it before the app runs: Node merges them into whatever the handler sends, where
 * setting them on the finished `Response` turns its plain header object into a WHATWG `Headers` on the hot path.
 */
const nodeResponse = (c: Context): ServerResponse | undefined =>
  (c.env as Partial<HttpBindings> | undefined)?.outgoing as ServerResponse | undefined;

/** Sets fixed headers on the response whatever route, error or 404 answers it (see `nodeResponse`). */
async function withHeaders(c: Context, next: () => Promise<void>, headers: readonly [string, string][]) {
  const res = nodeResponse(c);
  if (res !== undefined) for (const [k, v] of headers) res.setHeader(k, v);
  await next();
  if (res === undefined) for (const [k, v] of headers) c.res.headers.set(k, v);
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Takes the caller's `X-Request-Id` when it is sane, otherwise makes one (a per-process prefix and a counter: unique,
 * and cheaper than a UUID on the hot read path); echoes it and binds a child logger. The child is made on first
 * use: most requests log nothing, and a pino child serializes its bindings when it is made.
 */
export const requestContext = (log: Logger): MiddlewareHandler<ApiEnv> => {
  const prefix = randomUUID().slice(0, 8);
  let n = 0;
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    const requestId = given !== undefined && REQUEST_ID.test(given) ? given : `${prefix}-${(++n).toString(36)}`;
    c.set('requestId', requestId);
    let child: Logger | undefined;
    c.set(
      'log',
      lazyLogger(() => (child ??= log.child({ httpRequestId: requestId })), log),
    );
    await withHeaders(c, next, [['X-Request-Id', requestId]]);
  };
};

/**
 * A Logger that makes the real one on the first call that would write: level checks answer from the parent (a
 * child has its level), everything else goes to `make()`.
 */
function lazyLogger(make: () => Logger, parent: Logger): Logger {
  return new Proxy(parent, {
    get(target, key) {
      if (key === 'isLevelEnabled') return target.isLevelEnabled.bind(target);
      if (key === 'level') return target.level;
      const real = make();
      const v = Reflect.get(real, key, real) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(real) : v;
    },
  }) as Logger;
}

/** One line per request at debug (info for errors), so hot read paths do not flood the log. */
export const accessLog = (): MiddlewareHandler<ApiEnv> => async (c, next) => {
  const started = performance.now();
  await next();
  const status = c.res.status;
  if (status < 400 && !c.get('log').isLevelEnabled('debug')) return;
  const line = {
    method: c.req.method,
    path: c.req.path,
    status,
    ms: Math.round((performance.now() - started) * 10) / 10,
  };
  const log = c.get('log');
  if (status >= 500) log.error(line, 'request failed');
  else if (status >= 400) log.info(line, 'request refused');
  else log.debug(line, 'request');
};

/** The API key of a request: `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedKey(c: Context): string | undefined {
  const auth = c.req.header('authorization');
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return m?.[1];
  }
  return c.req.header('x-api-key') ?? undefined;
}

const sameKey = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Write endpoints need one of the configured keys. With no keys configured writes are refused rather than open:
 * a forgotten setting must not turn a node's signing key into a public faucet.
 */
export const requireApiKey =
  (keys: readonly string[] | undefined): MiddlewareHandler<ApiEnv> =>
  async (c, next) => {
    const key = presentedKey(c);
    const challenge = { 'WWW-Authenticate': 'Bearer realm="veritas"' };
    if (keys === undefined || keys.length === 0)
      throw new ApiError(
        401,
        'UNAUTHORIZED',
        'this node accepts no writes: no API keys are configured (VERITAS_API_KEYS)',
        challenge,
      );
    if (key === undefined)
      throw new ApiError(
        401,
        'UNAUTHORIZED',
        'an API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"',
        challenge,
      );
    if (!isValidKey(keys, key)) throw new ApiError(401, 'UNAUTHORIZED', 'the API key is not valid', challenge);
    await next();
  };

/** Whether `key` is one of the configured API keys (constant time per comparison). */
export const isValidKey = (keys: readonly string[] | undefined, key: string | undefined): boolean =>
  key !== undefined && (keys?.some((k) => sameKey(k, key)) ?? false);

/** What a rate-limit store answers for one request: allowed, or how long to wait. */
export type RateLimitVerdict = { ok: boolean; retryAfterSeconds: number };

/**
 * Where buckets live. The in-memory store serves one process; several replicas behind one address share a store
 * (e.g. Redis with one atomic script per take) so a client cannot multiply its limit by the replica count.
 */
export type RateLimitStore = { take(key: string): RateLimitVerdict | Promise<RateLimitVerdict> };

export type MemoryStoreOptions = {
  perMinute: number;
  /** Buckets kept at most; the least recently seen client is evicted first (default 10,000). */
  maxKeys?: number;
  now?: () => number;
};

/**
 * Token buckets in a Map kept in least-recently-used order: `perMinute` tokens of capacity, refilled continuously.
 * Memory is bounded by `maxKeys` whatever the traffic; an evicted client merely starts again with a full bucket.
 */
export function memoryRateLimitStore(o: MemoryStoreOptions): RateLimitStore & { size(): number } {
  const capacity = o.perMinute;
  const perMs = capacity / 60_000;
  const now = o.now ?? Date.now;
  const maxKeys = o.maxKeys ?? 10_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    size: () => buckets.size,
    take(key) {
      const t = now();
      const b = buckets.get(key) ?? { tokens: capacity, at: t };
      b.tokens = Math.min(capacity, b.tokens + (t - b.at) * perMs);
      b.at = t;
      buckets.delete(key); // re-inserted last: Map order is recency order
      buckets.set(key, b);
      while (buckets.size > maxKeys) buckets.delete(buckets.keys().next().value!);
      if (b.tokens < 1) return { ok: false, retryAfterSeconds: Math.ceil((1 - b.tokens) / perMs / 1000) };
      b.tokens -= 1;
      return { ok: true, retryAfterSeconds: 0 };
    },
  };
}

export type RateLimitOptions = {
  perMinute: number;
  /** The configured API keys: only a valid key earns its own bucket. */
  apiKeys: readonly string[] | undefined;
  store?: RateLimitStore;
  now?: () => number;
};

/**
 * Rate limit per client: its API key when the key is valid, else its IP. An invalid key counts against the IP, so
 * rotating bogus `X-API-Key` values neither escapes the limit nor creates buckets.
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<ApiEnv> {
  const capacity = options.perMinute;
  const store =
    options.store ?? memoryRateLimitStore({ perMinute: capacity, ...(options.now ? { now: options.now } : {}) });
  return async (c, next) => {
    const verdict = await store.take(clientKey(c, options.apiKeys));
    if (!verdict.ok) {
      const retryAfter = verdict.retryAfterSeconds;
      throw new ApiError(
        429,
        'RATE_LIMITED',
        `rate limit of ${capacity} requests per minute exceeded; retry in ${retryAfter} s`,
        {
          'Retry-After': String(retryAfter),
          'RateLimit-Limit': String(capacity),
          'RateLimit-Remaining': '0',
        },
      );
    }
    await next();
  };
}

// A valid key is named by a digest, so the bucket map never holds a key itself.
const keyDigest = (key: string): string => createHash('sha256').update(key).digest('base64url').slice(0, 22);

function clientKey(c: Context, keys: readonly string[] | undefined): string {
  const key = presentedKey(c);
  if (isValidKey(keys, key)) return `key:${keyDigest(key!)}`;
  try {
    return `ip:${getConnInfo(c).remote.address ?? 'unknown'}`;
  } catch {
    // not served by @hono/node-server (e.g. app.request() in a test): all such callers share one bucket
    return 'ip:local';
  }
}

/** The Content-Security-Policy of every response: nothing inline, nothing from elsewhere, no framing. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const SECURITY_HEADERS: readonly [string, string][] = [
  ['Content-Security-Policy', CONTENT_SECURITY_POLICY],
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Frame-Options', 'DENY'],
];

/** Security headers on every response, pages and JSON alike (a JSON body must not be sniffed into HTML either). */
export const securityHeaders = (): MiddlewareHandler<ApiEnv> => (c, next) => withHeaders(c, next, SECURITY_HEADERS);
