// Cross-cutting HTTP concerns as hono middleware: request id, structured access log, API-key auth, per-client rate limit.
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Logger } from '../core/log.ts';
import { ApiError } from './errors.ts';

export type ApiEnv = { Variables: { requestId: string; log: Logger } };

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Takes the caller's `X-Request-Id` when it is sane, otherwise makes one (a per-process prefix and a counter: unique,
 * and cheaper than a UUID on the hot read path); echoes it and binds a child logger.
 */
export const requestContext = (log: Logger): MiddlewareHandler<ApiEnv> => {
  const prefix = randomUUID().slice(0, 8);
  let n = 0;
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    const requestId = given !== undefined && REQUEST_ID.test(given) ? given : `${prefix}-${(++n).toString(36)}`;
    c.set('requestId', requestId);
    c.set('log', log.child({ httpRequestId: requestId }));
    c.header('X-Request-Id', requestId);
    await next();
  };
};

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
    if (!keys.some((k) => sameKey(k, key)))
      throw new ApiError(401, 'UNAUTHORIZED', 'the API key is not valid', challenge);
    await next();
  };

export type RateLimitOptions = { perMinute: number; now?: () => number };

/**
 * A token bucket per client (its API key when it sends one, else its IP): `perMinute` tokens of capacity, refilled
 * continuously. Buckets that have refilled completely are dropped, so memory follows the number of active clients.
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<ApiEnv> {
  const capacity = options.perMinute;
  const perMs = capacity / 60_000;
  const now = options.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();
  let lastSweep = now();
  return async (c, next) => {
    const t = now();
    if (t - lastSweep > 60_000) {
      for (const [k, b] of buckets) if (b.tokens + (t - b.at) * perMs >= capacity) buckets.delete(k);
      lastSweep = t;
    }
    const key = clientKey(c);
    const b = buckets.get(key) ?? { tokens: capacity, at: t };
    b.tokens = Math.min(capacity, b.tokens + (t - b.at) * perMs);
    b.at = t;
    buckets.set(key, b);
    if (b.tokens < 1) {
      const retryAfter = Math.ceil((1 - b.tokens) / perMs / 1000);
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
    b.tokens -= 1;
    await next();
  };
}

function clientKey(c: Context): string {
  const key = presentedKey(c);
  if (key !== undefined) return `key:${key}`;
  try {
    return `ip:${getConnInfo(c).remote.address ?? 'unknown'}`;
  } catch {
    // not served by @hono/node-server (e.g. app.request() in a test): all such callers share one bucket
    return 'ip:local';
  }
}
